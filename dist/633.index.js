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
    // The jobs' audience (federated-audience): settings.ts sets it whenever credential is federated.
    const audience = settings.credential.kind === 'federated' ? settings.credential.audience : settings.signIn.audience;
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

/***/ 9073:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   g: () => (/* binding */ printable)
/* harmony export */ });
/**
 * Text read from Microsoft Graph or GitHub (an app's or a certificate's display name, a
 * federated credential's name or subject, a role name), made safe for one line of the log
 * or one cell of the job summary: every control character, and the Unicode line and
 * paragraph separators, is shown as an escape (`\n`, `\r`, `\u001b`) instead of printed.
 *
 * Why: the runner reads every line of a step's output that starts with `::` as a workflow
 * command (docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions;
 * github/docs content/actions/using-workflows/workflow-commands-for-github-actions.md), so a
 * line break inside a display name could start a `::add-mask::` or `::warning::` line the
 * action never meant to write. Annotations are safe without it: @actions/core escapes `%`, CR
 * and LF in their text and properties.
 */
// C0 controls, DEL, C1 controls, LINE SEPARATOR, PARAGRAPH SEPARATOR.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function printable(text) {
    return text.replace(UNPRINTABLE, character => NAMED[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}


/***/ }),

/***/ 7994:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   S: () => (/* binding */ writeSummary)
/* harmony export */ });
/* unused harmony export renderSummary */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/* harmony import */ var _printable_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9073);
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
            lines.push(`Rotated: \`${c.previous.thumbprint}\` (expires ${day(c.previous.notAfter)}) → \`${c.thumbprint}\` (expires ${day(c.notAfter)}).`, `The previous certificate ${c.previous.fate}.`, '');
        }
        lines.push('| Thumbprint (SHA-1) | Expires | Days left |', '|---|---|---|', `| \`${c.thumbprint}\` | ${day(c.notAfter)} | ${c.daysLeft}${c.daysLeft <= 30 ? ' ⚠️' : ''} |`, '');
    }
    if (report.certificatesOnApp !== undefined && report.certificatesOnApp.rows.length > 0) {
        lines.push('### Certificates on the app', '', `Each certificate this action makes records its secret set (where a pipeline keeps it); this pipeline's is \`${cell(report.certificatesOnApp.secretSet)}\`. A run revokes only its own set's certificates.`, '', '| Thumbprint (SHA-1) | Whose | Expires | This run |', '|---|---|---|---|', ...report.certificatesOnApp.rows.map(row => `| \`${cell(row.thumbprint)}\` | ${cell(row.whose)} | ${cell(row.expires)} | ${cell(row.thisRun)} |`), '');
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
        lines.push('### Notes', '', ...report.notes.map(note => `- ${(0,_printable_js__WEBPACK_IMPORTED_MODULE_1__/* .printable */ .g)(note)}`), '');
    }
    return lines.join('\n');
}
async function writeSummary(report) {
    // Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to write it.
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .summary */ .z.addRaw(renderSummary(report), true).write();
}
/** One table cell: names read from Graph or GitHub stay on one line, pipes do not end the cell. */
function cell(value) {
    return (0,_printable_js__WEBPACK_IMPORTED_MODULE_1__/* .printable */ .g)(value.replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|');
}
function day(date) {
    return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}


/***/ })

};
