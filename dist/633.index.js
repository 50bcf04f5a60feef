export const id = 633;
export const ids = [633];
export const modules = {

/***/ 5633:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runConnect: () => (/* binding */ runConnect)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/* harmony import */ var _certificate_index_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3733);
/* harmony import */ var _connect_files_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2426);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3916);
/* harmony import */ var _report_outputs_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5468);
/* harmony import */ var _runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9733);
/* harmony import */ var _report_summary_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(7994);
/**
 * Connect mode: the everyday job. No Graph. With `credential: certificate`, no network at
 * all: it takes the certificate held in secrets (already opened and checked by settings.ts),
 * writes it for PowerShell, emits the connect script, and warns well before the certificate
 * expires. With `credential: federated`, nothing is held: it exchanges this job's GitHub OIDC
 * token for an Exchange Online access token, and the script connects with that.
 */







async function runConnect(settings, now) {
    if (settings.credential.kind === 'federated')
        return runFederatedConnect(settings);
    const held = settings.held;
    const appId = settings.app.id;
    const organization = settings.organization;
    // settings.ts guarantees these in connect mode; this keeps the types honest.
    if (held === undefined || appId === undefined || organization === undefined) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .y("Connect mode needs 'pfx-base64', 'app-id' and 'organization'.");
    }
    const daysLeft = (0,_certificate_index_js__WEBPACK_IMPORTED_MODULE_1__/* .daysUntil */ .AQ)(held.notAfter, now);
    const notes = [];
    if (daysLeft <= settings.rotateBeforeDays) {
        const message = `The Exchange Online certificate ${held.thumbprint} expires in ${daysLeft} day(s), on ${held.notAfter.toISOString()}. Run this action in provision mode with the held certificate (the scheduled rotation workflow) to renew it before jobs start failing.`;
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .warning */ .$e(message, { title: 'Exchange Online certificate expires soon' });
        notes.push(message);
    }
    const files = await (0,_connect_files_js__WEBPACK_IMPORTED_MODULE_2__/* .emitConnectFiles */ .ne)(settings, held, { appId, organization });
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Certificate ${held.thumbprint} (expires ${held.notAfter.toISOString()}, ${daysLeft} days left) for app ${appId} in ${organization}.`);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Connect script: ${files.scriptPath} — dot-source it in a pwsh step: . '${files.scriptPath}'`);
    (0,_report_outputs_js__WEBPACK_IMPORTED_MODULE_4__/* .setActionOutputs */ .x)({
        appId,
        tenantId: settings.tenantId,
        organization,
        certificate: held,
        pfx: { base64: held.pfxBase64, password: held.pfxPassword, path: files.pfxPath },
        connectScript: files.scriptPath,
        credential: 'certificate',
        rotated: false,
        changes: []
    });
    await (0,_report_summary_js__WEBPACK_IMPORTED_MODULE_6__/* .writeSummary */ .S)({
        title: 'Exchange Online: ready to connect',
        app: { id: appId },
        tenantId: settings.tenantId,
        organization,
        certificate: { thumbprint: held.thumbprint, notAfter: held.notAfter, daysLeft },
        connectScript: files.scriptPath,
        notes
    });
}
async function runFederatedConnect(settings) {
    const appId = settings.app.id;
    const organization = settings.organization;
    const tenantId = settings.tenantId;
    // settings.ts guarantees these in connect mode with credential: federated.
    if (appId === undefined || organization === undefined || tenantId === undefined) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .y("Connect mode with credential: federated needs 'app-id', 'organization' and 'tenant-id'.");
    }
    const audience = settings.signIn.audience;
    // Entra sign-in (msal) is loaded for this path only: a certificate job never parses it.
    const { federatedExchangeTokens } = await Promise.all(/* import() */[__webpack_require__.e(256), __webpack_require__.e(735)]).then(__webpack_require__.bind(__webpack_require__, 1735));
    const tokens = await federatedExchangeTokens({
        tenantId,
        appId,
        cloud: settings.cloud,
        audience,
        assertion: () => (0,_runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_5__/* .requestGitHubIdToken */ .zl)(audience, 'credential: federated signs in with this job\'s GitHub OIDC token, but this job cannot request one. Add `permissions: id-token: write` (and `contents: read`) to the job or workflow.')
    }, settings.connectIppsSession);
    // Registered before anything could print them.
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setSecret */ .Pq(tokens.exchange.token);
    if (tokens.compliance !== undefined)
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setSecret */ .Pq(tokens.compliance.token);
    const files = await (0,_connect_files_js__WEBPACK_IMPORTED_MODULE_2__/* .emitFederatedConnectFiles */ .JN)(settings, tokens, { appId, organization, tenantId });
    const expiresOn = tokens.exchange.expiresOn;
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Signed in as app ${appId} in ${organization} with this job's GitHub OIDC token (credential: federated); the access token expires at ${expiresOn.toISOString()}.`);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Connect script: ${files.scriptPath} — dot-source it in a pwsh step: . '${files.scriptPath}'`);
    (0,_report_outputs_js__WEBPACK_IMPORTED_MODULE_4__/* .setActionOutputs */ .x)({
        appId,
        tenantId,
        organization,
        connectScript: files.scriptPath,
        credential: 'federated',
        accessToken: { path: files.exchangeTokenPath, expiresOn },
        rotated: false,
        changes: []
    });
    await (0,_report_summary_js__WEBPACK_IMPORTED_MODULE_6__/* .writeSummary */ .S)({
        title: 'Exchange Online: ready to connect (federated, no stored secret)',
        app: { id: appId },
        tenantId,
        organization,
        credential: { kind: 'federated', expiresOn },
        connectScript: files.scriptPath,
        notes: [
            `The access token expires at ${expiresOn.toISOString()}. A step that runs longer calls Update-ExoCbaConnection (defined by the connect script) to sign in again with a fresh GitHub OIDC token.`
        ]
    });
}


/***/ }),

/***/ 5468:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   x: () => (/* binding */ setActionOutputs)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/**
 * The step's outputs (INTERFACE.md). Secret outputs are masked here again before they
 * are set, so no caller can forget it.
 */

function setActionOutputs(outputs) {
    if (outputs.pfx !== undefined) {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setSecret */ .Pq(outputs.pfx.base64);
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setSecret */ .Pq(outputs.pfx.password);
    }
    const set = (name, value) => {
        if (value !== undefined && value !== '')
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH(name, value);
    };
    set('app-id', outputs.appId);
    set('app-object-id', outputs.appObjectId);
    set('service-principal-id', outputs.servicePrincipalId);
    set('tenant-id', outputs.tenantId);
    set('organization', outputs.organization);
    set('certificate-thumbprint', outputs.certificate?.thumbprint);
    set('certificate-not-after', outputs.certificate?.notAfter.toISOString());
    set('certificate-der-base64', outputs.certificate?.derBase64);
    set('pfx-base64', outputs.pfx?.base64);
    set('pfx-password', outputs.pfx?.password);
    set('pfx-path', outputs.pfx?.path);
    set('connect-script', outputs.connectScript);
    set('credential', outputs.credential);
    set('access-token-path', outputs.accessToken?.path);
    set('access-token-expires-on', outputs.accessToken?.expiresOn.toISOString());
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('rotated', outputs.rotated ? 'true' : 'false');
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('changes', JSON.stringify(outputs.changes));
}


/***/ }),

/***/ 7994:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   S: () => (/* binding */ writeSummary)
/* harmony export */ });
/* unused harmony export renderSummary */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/**
 * The job summary: what the run found and did, in a form a person scans in seconds.
 * `renderSummary` is pure (tested); `writeSummary` appends it to GITHUB_STEP_SUMMARY.
 * Only public facts go here: ids, thumbprints, dates, names of secrets, never values.
 */

function renderSummary(report) {
    const lines = [`## ${report.title}`, ''];
    const facts = [
        ['Application (client) ID', report.app.id],
        ['App name', report.app.name],
        ['App object ID', report.app.objectId],
        ['Service principal ID', report.app.servicePrincipalId],
        ['Tenant', report.tenantId],
        ['Organization (-Organization)', report.organization]
    ];
    const shownFacts = facts.filter((fact) => fact[1] !== undefined && fact[1] !== '');
    if (shownFacts.length > 0) {
        lines.push('| | |', '|---|---|', ...shownFacts.map(([name, value]) => `| ${name} | \`${cell(value)}\` |`), '');
    }
    if (report.resources !== undefined && report.resources.length > 0) {
        lines.push('### Resources', '', '| Resource | Before | After | Detail |', '|---|---|---|---|');
        for (const row of report.resources) {
            lines.push(`| ${cell(row.resource)} | ${cell(row.before)} | ${cell(row.after)} | ${cell(row.detail ?? '')} |`);
        }
        lines.push('');
    }
    if (report.certificate !== undefined) {
        const c = report.certificate;
        lines.push('### Certificate', '', 'Jobs sign in with this certificate (`credential: certificate`), kept in the secrets below or in the outputs.', '');
        if (c.previous !== undefined) {
            lines.push(`Rotated: \`${c.previous.thumbprint}\` (expires ${day(c.previous.notAfter)}) → \`${c.thumbprint}\` (expires ${day(c.notAfter)}).`, 'The previous certificate stays on the app until it expires, so jobs that already loaded it keep working.', '');
        }
        lines.push('| Thumbprint (SHA-1) | Expires | Days left |', '|---|---|---|', `| \`${c.thumbprint}\` | ${day(c.notAfter)} | ${c.daysLeft}${c.daysLeft <= 30 ? ' ⚠️' : ''} |`, '');
    }
    if (report.credential?.kind === 'federated') {
        const c = report.credential;
        lines.push('### Credential: federated (no stored secret)', '');
        lines.push('Jobs sign in with their own GitHub OIDC token, exchanged for an Exchange Online token through a federated credential on the app. Nothing is stored and nothing needs rotating.');
        if (c.subjects !== undefined && c.subjects.length > 0)
            lines.push('', `Trusted subjects: ${c.subjects.map(subject => `\`${cell(subject)}\``).join(', ')}`);
        if (c.expiresOn !== undefined)
            lines.push('', `This job's access token expires ${day(c.expiresOn)}.`);
        lines.push('');
    }
    if (report.secrets !== undefined) {
        const s = report.secrets;
        lines.push(`### Secrets (${cell(s.where)})`, '');
        if (s.written.length > 0)
            lines.push(`Written: ${s.written.map(n => `\`${n}\``).join(', ')}`);
        if (s.unchanged.length > 0)
            lines.push(`Unchanged: ${s.unchanged.map(n => `\`${n}\``).join(', ')}`);
        lines.push('');
    }
    if (report.connectScript !== undefined) {
        lines.push('### Connect in a later step', '', '```yaml', '- shell: pwsh', '  run: |', `    . '${report.connectScript.replace(/'/g, "''")}'`, '    Get-Mailbox -ResultSize 5', '```', '');
    }
    if (report.notes !== undefined && report.notes.length > 0) {
        lines.push('### Notes', '', ...report.notes.map(note => `- ${note}`), '');
    }
    return lines.join('\n');
}
async function writeSummary(report) {
    // Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to write it.
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .summary */ .z.addRaw(renderSummary(report), true).write();
}
function cell(value) {
    return value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function day(date) {
    return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}


/***/ }),

/***/ 9733:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Fs: () => (/* binding */ canRequestGitHubIdToken),
/* harmony export */   KO: () => (/* binding */ gitHubIssuerFor),
/* harmony export */   zl: () => (/* binding */ requestGitHubIdToken)
/* harmony export */ });
/* unused harmony export withClaims */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3916);
/**
 * The job's GitHub Actions OIDC token: for the provisioning identity's sign-in, and with
 * `credential: federated` for the Exchange app's own. The runner hands a job the means to
 * ask for one (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) only with `permissions: id-token: write`.
 * GitHub does not document the token's lifetime; it has been 5 minutes (actions/toolkit#2048),
 * so a long job asks again rather than keeping one.
 */


/** True when this job may request OIDC tokens (it has `permissions: id-token: write`). */
function canRequestGitHubIdToken(env = process.env) {
    return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}
/**
 * A fresh OIDC token for `audience`, with the claims this action reads. `missingPermission`
 * is the error's sentence for a job that cannot ask for one (it says what the token was for).
 */
async function requestGitHubIdToken(audience, missingPermission) {
    if (!canRequestGitHubIdToken())
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .UserError */ .y(missingPermission);
    let token;
    try {
        token = await _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .getIDToken */ .V9(audience);
    }
    catch (error) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .UserError */ .y(`GitHub did not issue an OIDC token for audience '${audience}': ${error.message.replace(/\s+/g, ' ').trim()}. Check that the job has \`permissions: id-token: write\`.`, { cause: error });
    }
    return withClaims(token);
}
/** The token with the claims this action reads (unverified: it is our own token, read for messages and names). */
function withClaims(token) {
    const claims = jwtPayload(token);
    const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
    return {
        token,
        ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
        ...(typeof claims.iss === 'string' ? { issuer: claims.iss } : {}),
        ...(exp === undefined ? {} : { expiresAt: exp })
    };
}
/** GitHub's OIDC issuer for this server (`GITHUB_SERVER_URL`): github.com, GHE.com or GHES (GitHub docs, "About security hardening with OpenID Connect"). */
function gitHubIssuerFor(serverUrl) {
    const url = new URL(serverUrl?.trim() || 'https://github.com');
    const host = url.hostname.toLowerCase();
    if (host === 'github.com')
        return 'https://token.actions.githubusercontent.com';
    const dataResidency = /^([a-z0-9-]+)\.ghe\.com$/.exec(host);
    if (dataResidency !== null)
        return `https://token.actions.${dataResidency[1]}.ghe.com`;
    return `${url.origin}/_services/token`;
}
function jwtPayload(token) {
    try {
        return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    }
    catch {
        return {};
    }
}


/***/ })

};
