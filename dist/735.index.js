export const id = 735;
export const ids = [735];
export const modules = {

/***/ 1735:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   federatedExchangeTokens: () => (/* binding */ federatedExchangeTokens)
/* harmony export */ });
/* unused harmony export explainFederatedSignInError */
/* harmony import */ var _azure_identity__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8256);
/* harmony import */ var _cloud_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1486);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3916);
/* harmony import */ var _runner_github_event_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6922);
/* harmony import */ var _runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9733);
/* harmony import */ var _sign_in_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(5055);
/* harmony import */ var _subject_scope_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6909);
/**
 * `credential: federated`: an app-only Exchange Online access token for the Exchange app,
 * from this job's GitHub OIDC token (client credentials with the OIDC token as the client
 * assertion; entra-docs workload-id/workload-identity-federation.md). Connect-ExchangeOnline
 * takes it with -AccessToken and -Organization from ExchangeOnlineManagement 3.1.0, and
 * Connect-IPPSSession from 3.8.0 (office-docs-powershell, exchange-online-powershell-v2.md).
 * Entra gives such tokens 60–90 minutes (access-tokens.md); the connect script can get a new one.
 */







/** The tokens the connect script signs in with; failures explained in terms of the app and this job's token. */
async function federatedExchangeTokens(signIn, securityAndCompliance) {
    let lastJobToken;
    const credential = new _azure_identity__WEBPACK_IMPORTED_MODULE_0__/* .ClientAssertionCredential */ .XI(signIn.tenantId, signIn.appId, async () => {
        lastJobToken = await signIn.assertion();
        return lastJobToken.token;
    }, (0,_sign_in_js__WEBPACK_IMPORTED_MODULE_5__/* .credentialOptions */ .Kn)(signIn.cloud));
    const tokenFor = async (resource) => {
        try {
            const token = await credential.getToken((0,_cloud_js__WEBPACK_IMPORTED_MODULE_1__/* .defaultScope */ ._V)(resource));
            return { token: token.token, expiresOn: new Date(token.expiresOnTimestamp) };
        }
        catch (error) {
            throw explainFederatedSignInError(error, signIn, lastJobToken, (0,_runner_github_event_js__WEBPACK_IMPORTED_MODULE_3__/* .readJobFacts */ .$)(process.env));
        }
    };
    const exchange = await tokenFor(signIn.cloud.exchangeResource);
    const compliance = securityAndCompliance ? await tokenFor(signIn.cloud.complianceResource) : undefined;
    return { exchange, ...(compliance === undefined ? {} : { compliance }) };
}
/**
 * Entra's refusal in words: above all, a job whose token no federated credential of the app
 * trusts. The command to trust this job's subject is printed only when a reviewer guards that
 * subject (the default branch, or an environment outside pull requests: subject-scope.ts
 * unprotectedDefaultSubject, with `facts` about this job); otherwise it points to an environment.
 */
function explainFederatedSignInError(error, signIn, job, facts) {
    if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y)
        return error;
    const message = error?.message ?? String(error);
    const code = /AADSTS(\d+)/.exec(message)?.[1];
    const app = `the Exchange app (app-id ${signIn.appId}) in tenant ${signIn.tenantId}`;
    switch (code) {
        case '70021':
        case '700211':
        case '700212':
        case '700213': {
            const subject = job?.subject ?? '(unknown)';
            const issuer = job?.issuer ?? _runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_4__/* .GITHUB_ACTIONS_ISSUER */ .qQ;
            const says = `Entra ID found no federated credential of ${app} that trusts this job's GitHub token (AADSTS${code}). The token says: issuer ${issuer}, subject '${subject}', audience '${signIn.audience}'.`;
            const scope = (0,_subject_scope_js__WEBPACK_IMPORTED_MODULE_6__/* .scopeOfSubject */ .g4)(subject);
            const environmentAdvice = `Run the Exchange steps in a job with an environment that has required reviewers (jobs.<job_id>.environment), and list its subject repo:${(0,_subject_scope_js__WEBPACK_IMPORTED_MODULE_6__/* .repositoryOfSubject */ .MV)(scope.repository)}:environment:NAME in federated-subjects of the provisioning workflow.`;
            if (scope.context.kind === 'pull-request') {
                // Never suggest trusting it: anyone who can open a pull request would then be an Exchange administrator.
                return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`${says} This job runs for a pull request, and pull-request jobs should not sign in to Exchange Online: anyone who can open a pull request could then act as an Exchange administrator. ${environmentAdvice}`, { cause: error });
            }
            const unreviewed = job?.subject === undefined ? undefined : (0,_subject_scope_js__WEBPACK_IMPORTED_MODULE_6__/* .unprotectedDefaultSubject */ .jk)(subject, facts);
            if (unreviewed !== undefined) {
                // Nor a feature branch's subject, or any subject of a pull request's job.
                return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`${says} Do not trust this subject: ${unreviewed}. ${environmentAdvice}`, { cause: error });
            }
            const parameters = JSON.stringify({ name: 'exo-jobs', issuer, subject, audiences: [signIn.audience] });
            const preferEnvironment = scope.context.kind === 'ref'
                ? ' Prefer an environment with required reviewers (its subject repo:OWNER/REPO:environment:NAME) over a branch or tag subject: anyone who can push to that ref could sign in.'
                : '';
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`${says} Add '${subject}' to federated-subjects in the provisioning workflow (credential: federated) and run it, or add the credential directly: az ad app federated-credential create --id ${signIn.appId} --parameters '${parameters}'. A credential used right after it is created can take a minute to work.${preferEnvironment}`, { cause: error });
        }
        case '700016':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`No app with app-id ${signIn.appId} exists in tenant ${signIn.tenantId} (AADSTS700016). Check 'app-id' (secrets.EXO_APP_ID) and 'tenant-id' (secrets.EXO_TENANT_ID).`, { cause: error });
        case '7000229':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`The app ${signIn.appId} has no service principal in tenant ${signIn.tenantId} (AADSTS7000229). Run this action in provision mode to create it.`, { cause: error });
        case '90002':
        case '900023':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Tenant '${signIn.tenantId}' was not found (AADSTS${code}). Check 'tenant-id' and 'cloud'.`, { cause: error });
    }
    return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Sign-in as ${app} with this job's GitHub OIDC token failed: ${message.split('\n')[0]}`, { cause: error });
}


/***/ }),

/***/ 4877:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GM: () => (/* binding */ portalPath),
/* harmony export */   MD: () => (/* binding */ grantInstructions),
/* harmony export */   jT: () => (/* binding */ ownerInstructions),
/* harmony export */   uk: () => (/* binding */ azureCliGrant)
/* harmony export */ });
/* unused harmony export graphPowerShellGrant */
/* harmony import */ var _graph_permissions_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1093);
/* harmony import */ var _well_known_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7844);


const AZ_CLOUD = {
    global: undefined,
    usgov: 'AzureUSGovernment',
    dod: 'AzureUSGovernment',
    china: 'AzureChinaCloud'
};
const MG_ENVIRONMENT = { global: 'Global', usgov: 'USGov', dod: 'USGovDoD', china: 'China' };
/** The admin center path to grant application permissions, for one sentence. */
function portalPath(permissions) {
    return `Entra admin center → App registrations → the provisioning app → API permissions → Add a permission → Microsoft Graph → Application permissions → ${permissions.join(', ')} → Grant admin consent`;
}
/** `az ad app permission add … && az ad app permission admin-consent …` on one line. */
function azureCliGrant(permissions, target) {
    const clientId = target.clientId ?? '<client-id>';
    const ids = permissions.map(permission => `${_graph_permissions_js__WEBPACK_IMPORTED_MODULE_0__/* .GRAPH_APPLICATION_PERMISSIONS */ .zT[permission]}=Role`).join(' ');
    return `az ad app permission add --id ${clientId} --api ${_well_known_js__WEBPACK_IMPORTED_MODULE_1__/* .MICROSOFT_GRAPH_APP_ID */ .iC} --api-permissions ${ids} && az ad app permission admin-consent --id ${clientId}`;
}
/** The lines of a Microsoft Graph PowerShell session that grants the permissions (app role assignments). */
function graphPowerShellGrant(permissions, target) {
    const principal = target.servicePrincipalId !== undefined ? `'${target.servicePrincipalId}'` : `(Get-MgServicePrincipal -Filter "appId eq '${target.clientId ?? '<client-id>'}'").Id`;
    return [
        `Connect-MgGraph -Environment ${MG_ENVIRONMENT[target.cloud ?? 'global']} -Scopes AppRoleAssignment.ReadWrite.All,Application.Read.All`,
        `$graph = Get-MgServicePrincipal -Filter "appId eq '${_well_known_js__WEBPACK_IMPORTED_MODULE_1__/* .MICROSOFT_GRAPH_APP_ID */ .iC}'"`,
        `$identity = ${principal}`,
        ...permissions.map(permission => `New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $identity -PrincipalId $identity -ResourceId $graph.Id -AppRoleId ${_graph_permissions_js__WEBPACK_IMPORTED_MODULE_0__/* .GRAPH_APPLICATION_PERMISSIONS */ .zT[permission]}  # ${permission}`)
    ];
}
/** The whole "grant them" block: both command forms, and the cloud to select first. */
function grantInstructions(permissions, target) {
    const azCloud = AZ_CLOUD[target.cloud ?? 'global'];
    return [
        `In the portal: ${portalPath(permissions)}.`,
        'Azure CLI:',
        ...(azCloud === undefined ? [] : [`  az cloud set --name ${azCloud}`]),
        `  ${azureCliGrant(permissions, target)}`,
        'Microsoft Graph PowerShell:',
        ...graphPowerShellGrant(permissions, target).map(line => `  ${line}`)
    ];
}
/** Adding the identity as an owner of an existing app (for Application.ReadWrite.OwnedBy). */
function ownerInstructions(app, target) {
    const owner = target.servicePrincipalId ?? '<object id of the provisioning identity\'s service principal>';
    return [
        `  az ad app owner add --id ${app.appId} --owner-object-id ${owner}`,
        `  New-MgApplicationOwnerByRef -ApplicationId ${app.objectId} -BodyParameter @{ '@odata.id' = 'https://graph.microsoft.com/v1.0/directoryObjects/${owner}' }`
    ];
}


/***/ }),

/***/ 1093:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   KJ: () => (/* binding */ ADMIN_DIRECTORY_ROLES),
/* harmony export */   j_: () => (/* binding */ CAPABILITY_RULES),
/* harmony export */   u1: () => (/* binding */ DEFAULT_APP_ONLY_WID),
/* harmony export */   zT: () => (/* binding */ GRAPH_APPLICATION_PERMISSIONS)
/* harmony export */ });
/* unused harmony export directoryRoleTemplateId */
/**
 * What the provisioning identity may do in Microsoft Graph, and where each id comes from:
 * the one table the preflight, the 403 explanations and the grant commands read.
 *
 * An identity can do a thing through an application permission (an app role of Microsoft
 * Graph, in its token's `roles` claim by value) or through a built-in directory role
 * assigned over the whole directory (in its token's `wids` claim by template id). Custom
 * directory roles never appear in `wids`, so the token alone cannot rule them out.
 */
/**
 * Microsoft Graph application permissions: the app role ids of Microsoft Graph
 * (appId 00000003-0000-0000-c000-000000000000), the same in every tenant and cloud.
 * Source: the Microsoft Graph permissions reference
 * (learn.microsoft.com/graph/permissions-reference; microsoftgraph/microsoft-graph-docs-contrib,
 * concepts/permissions-reference.md), "Application" rows.
 */
const GRAPH_APPLICATION_PERMISSIONS = {
    'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
    'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
    'Application.ReadWrite.OwnedBy': '18a4783c-866b-4cc7-a460-3d5e5662c884',
    'AppRoleAssignment.ReadWrite.All': '06b708a9-e830-4db3-a914-8e69da51d44f',
    'RoleManagement.Read.Directory': '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
    'RoleManagement.ReadWrite.Directory': '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
    'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
    'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
    'Directory.ReadWrite.All': '19dbc75e-c2e2-444c-a770-ec69d8559fc7'
};
/**
 * Built-in directory roles that let an identity do this action's Graph work, by template id.
 * Source: entra-docs, identity/role-based-access-control/permissions-reference.md.
 */
const ADMIN_DIRECTORY_ROLES = {
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
    'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7'
};
/**
 * The `wids` entry Entra puts in every app-only token whatever roles are assigned. It is not
 * a directory role (no role definition has this template id); seen in real tokens.
 */
const DEFAULT_APP_ONLY_WID = '0997a1d0-0d1d-4acb-b408-d5ca73121e90';
/**
 * What allows each piece of work.
 * - manage-app: create and update the app registration, its certificates, its federated
 *   credentials (adding and removing them) and its service principal.
 *   Application.ReadWrite.OwnedBy covers only apps the identity owns (it owns the apps it
 *   creates); Microsoft Graph docs, application-post-applications.md, application-update.md,
 *   application-post-federatedidentitycredentials.md and federatedidentitycredential-delete.md
 *   (least privileged: Application.ReadWrite.OwnedBy).
 * - grant-consent: POST /servicePrincipals/{id}/appRoleAssignedTo
 *   (serviceprincipal-post-approleassignedto.md). Cloud Application Administrator and
 *   Application Administrator may consent to application permissions of any API except
 *   Microsoft Graph (entra-docs, enterprise-apps/grant-admin-consent.md); Exchange.ManageAsApp
 *   belongs to Office 365 Exchange Online.
 * - assign-role: POST /roleManagement/directory/roleAssignments
 *   (rbacapplication-post-roleassignments.md).
 * - read-tenant: read the app registrations and service principals (application-get.md).
 * - read-organization: GET /organization, for the initial domain (organization-list.md).
 */
const CAPABILITY_RULES = {
    'manage-app': {
        permissions: ['Application.ReadWrite.All'],
        grant: 'Application.ReadWrite.OwnedBy',
        directoryRoles: ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'],
        customRolesMayAllow: true
    },
    'grant-consent': {
        permissions: ['AppRoleAssignment.ReadWrite.All'],
        grant: 'AppRoleAssignment.ReadWrite.All',
        directoryRoles: ['Global Administrator', 'Privileged Role Administrator', 'Application Administrator', 'Cloud Application Administrator'],
        customRolesMayAllow: true
    },
    'assign-role': {
        permissions: ['RoleManagement.ReadWrite.Directory'],
        grant: 'RoleManagement.ReadWrite.Directory',
        directoryRoles: ['Global Administrator', 'Privileged Role Administrator'],
        customRolesMayAllow: false
    },
    'read-tenant': {
        permissions: ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All', 'Directory.ReadWrite.All'],
        grant: 'Application.Read.All',
        directoryRoles: ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'],
        customRolesMayAllow: true
    },
    'read-organization': {
        permissions: ['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
        grant: 'Organization.Read.All',
        directoryRoles: ['Global Administrator'],
        customRolesMayAllow: false
    }
};
/** The template id of an admin directory role, lower-case. */
function directoryRoleTemplateId(role) {
    return ADMIN_DIRECTORY_ROLES[role];
}


/***/ }),

/***/ 7903:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AL: () => (/* binding */ CAPABILITY_NAMES),
/* harmony export */   BK: () => (/* binding */ withoutSkippedTasks),
/* harmony export */   FE: () => (/* binding */ skippedWarning),
/* harmony export */   HG: () => (/* binding */ identityReadsFor),
/* harmony export */   Qm: () => (/* binding */ checkPreflight),
/* harmony export */   Rf: () => (/* binding */ identityClaimsOf),
/* harmony export */   Vv: () => (/* binding */ describePreflight),
/* harmony export */   Ws: () => (/* binding */ needsOfPlan),
/* harmony export */   Wx: () => (/* binding */ preflightFailure),
/* harmony export */   e_: () => (/* binding */ needsOfFirstRun)
/* harmony export */ });
/* unused harmony export permissionsToGrant */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _grant_commands_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4877);
/* harmony import */ var _graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1093);
/* harmony import */ var _well_known_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7844);
/**
 * The preflight: before the first write, decide from the provisioning identity's own Graph
 * token (its `roles` and `wids` claims) whether it can carry out every change the plan
 * needs. A run that cannot finish writes nothing and names everything missing at once.
 *
 * Pure: plain data in (what the plan needs, what the token and the identity's own directory
 * entries say), a verdict out; the same report fills the log, the dry run and the error.
 * Three answers, because a token cannot show everything: `granted`, `missing` (certain), and
 * `unknown` (custom directory roles, a token without `wids`): then the run goes on as before
 * and a refusal is explained where it happens.
 */




/** The capabilities in words, for the log. */
const CAPABILITY_NAMES = {
    'manage-app': 'change the app registration and its service principal',
    'grant-consent': 'grant admin consent',
    'assign-role': 'assign directory roles',
    'read-tenant': 'read app registrations and service principals',
    'read-organization': "read the organization's domains"
};
/**
 * Which of the identity's own directory entries the first read should also fetch, decided
 * from the token alone before that read (they ride in the same `$batch`, so they cost no round
 * trip): its owned objects when Application.ReadWrite.OwnedBy is all it has to change apps,
 * and its role assignments when a custom role could be what allows a change.
 */
function identityReadsFor(claims) {
    if (claims.servicePrincipalId === undefined || claims.wids === undefined)
        return { ownedObjects: false, roleAssignments: false };
    const settled = (capability) => grantedBy(capability, claims) !== undefined;
    const manageApp = settled('manage-app');
    return {
        ownedObjects: !manageApp && claims.roles.includes('Application.ReadWrite.OwnedBy'),
        roleAssignments: !manageApp || !settled('grant-consent')
    };
}
/** Every change of the plan as the capability it needs. Organization discovery is a read and comes in as a refused read. */
function needsOfPlan(plan) {
    const app = `"${plan.app.displayName}"`;
    const needs = [];
    for (const change of plan.changes) {
        switch (change.kind) {
            case 'create-app':
                needs.push({ capability: 'manage-app', task: `create the app ${app}` });
                break;
            case 'set-required-resource-access':
                needs.push({ capability: 'manage-app', task: `request ${_well_known_js__WEBPACK_IMPORTED_MODULE_3__/* .EXCHANGE_MANAGE_AS_APP */ .Pu} on the app ${app}` });
                break;
            case 'create-service-principal':
                needs.push({ capability: 'manage-app', task: `create the service principal of ${app}` });
                break;
            case 'add-certificate':
                // A rotation adds the new certificate with addKey, proven by the held certificate:
                // Graph asks no permission for that (application-addkey.md).
                if (!(plan.certificate.decision === 'add-new' && plan.certificate.reason === 'held-expiring' && plan.certificate.held.daysLeft >= 0)) {
                    needs.push({ capability: 'manage-app', task: `add the new certificate to ${app}` });
                }
                break;
            case 'remove-expired-certificates':
                needs.push({ capability: 'manage-app', task: `remove the expired certificates of ${app}`, bestEffort: true });
                break;
            case 'revoke-previous-certificates':
                needs.push({
                    capability: 'manage-app',
                    task: `remove the previous certificates of ${app} (revoke-previous; 'never' keeps them until they expire)`,
                    bestEffort: true
                });
                break;
            case 'add-federated-credential':
            case 'update-federated-credential':
                needs.push({ capability: 'manage-app', task: `set the federated credential for '${change.credential.subject}' on ${app}` });
                break;
            case 'remove-federated-credential':
                // The same permission as adding one (federatedidentitycredential-delete.md: Application.ReadWrite.OwnedBy).
                // It must not stop a rotation that addKey can still do, but is not skipped either (Need.triedLast).
                needs.push({
                    capability: 'manage-app',
                    task: `remove the federated credential for '${change.credential.subject}' from ${app}`,
                    bestEffort: true,
                    triedLast: true
                });
                break;
            case 'grant-exchange-manage-as-app':
                needs.push({ capability: 'grant-consent', task: `grant ${_well_known_js__WEBPACK_IMPORTED_MODULE_3__/* .EXCHANGE_MANAGE_AS_APP */ .Pu} of Office 365 Exchange Online` });
                break;
            case 'grant-security-and-compliance':
                needs.push({ capability: 'grant-consent', task: `grant ${_well_known_js__WEBPACK_IMPORTED_MODULE_3__/* .EXCHANGE_MANAGE_AS_APP */ .Pu} of Microsoft Exchange Online Protection` });
                break;
            case 'assign-directory-role':
                needs.push({ capability: 'assign-role', task: `assign the directory role ${change.role.displayName}` });
                break;
        }
    }
    return needs;
}
/**
 * What a first run on this tenant needs, for when the tenant could not be read and so there
 * is no plan: everything, so that one message names every permission the identity lacks.
 */
function needsOfFirstRun(appName, roles) {
    return [
        { capability: 'manage-app', task: `create the app "${appName}", its service principal and its certificate` },
        { capability: 'grant-consent', task: `grant ${_well_known_js__WEBPACK_IMPORTED_MODULE_3__/* .EXCHANGE_MANAGE_AS_APP */ .Pu} of Office 365 Exchange Online` },
        ...roles.map(role => ({ capability: 'assign-role', task: `assign the directory role ${role.displayName}` }))
    ];
}
/** The verdict for each capability the needs name, plus the reads Graph already refused. */
function checkPreflight(needs, evidence, context = {}) {
    const requirements = [];
    for (const refused of context.refusedReads ?? []) {
        const existing = requirements.find(r => r.capability === refused.capability);
        if (existing !== undefined) {
            if (!existing.tasks.includes(refused.task))
                existing.tasks.push(refused.task);
            continue;
        }
        requirements.push({
            capability: refused.capability,
            tasks: [refused.task],
            verdict: 'missing',
            because: `Microsoft Graph refused ${refused.request} (403)`,
            grant: _graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__/* .CAPABILITY_RULES */ .j_[refused.capability].grant
        });
    }
    const capabilities = [...new Set(needs.map(need => need.capability))];
    for (const capability of capabilities) {
        const needed = needs.filter(need => need.capability === capability);
        const bestEffort = needed.every(need => need.bestEffort === true) && !requirements.some(r => r.capability === capability);
        const triedLast = needed.filter(need => need.triedLast === true).map(need => need.task);
        requirements.push({
            capability,
            tasks: needed.map(need => need.task),
            ...evaluate(capability, evidence, context.app),
            ...(bestEffort ? { bestEffort } : {}),
            ...(triedLast.length > 0 ? { triedLast } : {})
        });
    }
    const certain = requirements.filter(requirement => requirement.verdict === 'missing');
    // A run that stops anyway names everything at once, so the next run does not stop or skip.
    const stops = certain.some(requirement => requirement.bestEffort !== true);
    const missing = stops ? certain : [];
    const skipped = stops ? [] : certain;
    return { requirements, missing, skipped, ok: missing.length === 0 };
}
/**
 * The plan without the best-effort changes the preflight skipped (expired and superseded
 * certificates stay on the app, marked `skipped` with the permission that would remove them),
 * so the dry run, apply and the summary agree with what runs.
 */
function withoutSkippedTasks(plan, report) {
    const appManagement = report.skipped.find(requirement => requirement.capability === 'manage-app');
    if (appManagement === undefined)
        return plan;
    const permission = `${appManagement.grant ?? 'Application.ReadWrite.All'}${appManagement.notOwned === undefined ? '' : ', or ownership of the app'}`;
    // Both run after the phases (plan.prune, plan.revokePrevious), never inside one.
    const kept = {
        ...plan,
        changes: plan.changes.filter(change => change.kind !== 'remove-expired-certificates' && change.kind !== 'revoke-previous-certificates'),
        certificatesOnApp: plan.certificatesOnApp.map(certificate => certificate.outcome === 'remove-expired' || certificate.outcome === 'revoke'
            ? { ...certificate, outcome: 'skipped', skipped: { was: certificate.outcome, permission } }
            : certificate)
    };
    delete kept.prune;
    delete kept.revokePrevious;
    return kept;
}
/**
 * The warning for skipped best-effort tasks: what stays undone, the federated removals still
 * tried (and how the job ends if they are refused), the permission, and how to grant it.
 */
function skippedWarning(report, target) {
    if (report.skipped.length === 0)
        return undefined;
    const who = `The provisioning identity (client-id ${target.clientId ?? '<client-id>'})`;
    const triedLast = report.skipped.flatMap(requirement => requirement.triedLast ?? []);
    const skipsCertificates = report.skipped.some(requirement => requirement.tasks.some(task => !triedLast.includes(task)));
    const opening = [
        `${who} may not change the app`,
        skipsCertificates
            ? ', so this run skipped what it can do without: the certificates stay on the app until they expire (a superseded one still signs in until then).'
            : '.',
        triedLast.length > 0
            ? ' The federated credentials this action no longer wants are still tried last, once everything else is done and stored: a federated credential never expires, ' +
                'so when Graph refuses, the job fails and names them with the command that removes them.'
            : '',
        ' It lacks:'
    ];
    const lines = [opening.join(''), ...report.skipped.map(requirement => `- ${missingSentence(requirement)}`)];
    const grants = [...new Set(report.skipped.flatMap(requirement => (requirement.grant === undefined ? [] : [requirement.grant])))];
    if (grants.length > 0)
        lines.push('To let the next run remove them, grant these Microsoft Graph application permissions (admin consent):', ...(0,_grant_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .grantInstructions */ .MD)(grants, target));
    for (const requirement of report.skipped) {
        if (requirement.notOwned === undefined)
            continue;
        lines.push(`Or keep Application.ReadWrite.OwnedBy and make the identity an owner of "${requirement.notOwned.displayName}":`, ...(0,_grant_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .ownerInstructions */ .jT)(requirement.notOwned, target));
    }
    return lines.join('\n');
}
/**
 * The permissions to grant for what is missing, without one another's duplicates. When the
 * run stops anyway, what the token could not settle is granted in the same go, so the next
 * run does not stop at it.
 */
function permissionsToGrant(report) {
    const grants = new Set([...report.missing, ...uncertain(report)].flatMap(requirement => (requirement.grant === undefined ? [] : [requirement.grant])));
    // Any Application.ReadWrite.* permission reads apps too.
    if (grants.has('Application.ReadWrite.OwnedBy') || grants.has('Application.ReadWrite.All'))
        grants.delete('Application.Read.All');
    return [...grants];
}
/** The verdict in log lines (the plan's log group and the dry run print it). */
function describePreflight(report) {
    if (report.requirements.length === 0)
        return ['Preflight: nothing to write, so no write permission is needed.'];
    const mark = { granted: 'ok     ', missing: 'MISSING', unknown: '?      ' };
    return [
        "Preflight (from the provisioning identity's Graph token, before any write):",
        ...report.requirements.map(requirement => `  ${report.skipped.includes(requirement) ? 'SKIPPED' : mark[requirement.verdict]} ${CAPABILITY_NAMES[requirement.capability]} (${requirement.tasks.join('; ')}): ${requirement.because}`),
        ...(report.skipped.length > 0 ? ['  SKIPPED = missing, but needed only for best-effort removals: the run goes on without them.'] : []),
        ...(report.skipped.some(requirement => (requirement.triedLast ?? []).length > 0)
            ? ['  Except federated credentials to remove: tried last; if Graph refuses, the job fails at the end, naming them.']
            : []),
        ...(report.requirements.some(requirement => requirement.verdict === 'unknown')
            ? ['  ? = cannot tell from the token; the run goes on, and a refusal is explained where it happens.']
            : [])
    ];
}
/** The error for a run that cannot finish: every missing permission, why, and how to grant it. */
function preflightFailure(report, target, options = {}) {
    const who = `The provisioning identity (client-id ${target.clientId ?? '<client-id>'})`;
    const lines = [
        options.dryRun
            ? `${who} could not finish this run: a real run would stop before changing anything in the tenant. It lacks:`
            : `${who} cannot finish this run, so it stopped before changing anything in the tenant. It lacks:`,
        ...report.missing.map(requirement => `- ${missingSentence(requirement)}`)
    ];
    const maybe = uncertain(report);
    if (maybe.length > 0) {
        lines.push('It may lack these too (its token cannot settle them; they are granted below as well, so the next run does not stop at them):', ...maybe.map(requirement => `- ${missingSentence(requirement)}`));
    }
    const grants = permissionsToGrant(report);
    if (grants.length > 0) {
        lines.push('Grant these Microsoft Graph application permissions (admin consent), then run again (the next token carries them):', ...(0,_grant_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .grantInstructions */ .MD)(grants, target));
    }
    for (const requirement of report.missing) {
        if (requirement.notOwned === undefined)
            continue;
        lines.push(`Or keep Application.ReadWrite.OwnedBy and make the identity an owner of "${requirement.notOwned.displayName}":`, ...(0,_grant_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .ownerInstructions */ .jT)(requirement.notOwned, target));
    }
    return new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .y(lines.join('\n'));
}
/** The requirements the token could not settle. */
function uncertain(report) {
    return report.requirements.filter(requirement => requirement.verdict === 'unknown');
}
function missingSentence(requirement) {
    const roles = _graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__/* .CAPABILITY_RULES */ .j_[requirement.capability].directoryRoles;
    // A refused read was refused whatever the token says; and a role is no way round "not an owner".
    const orRole = requirement.because.startsWith('Microsoft Graph refused') || requirement.notOwned !== undefined || roles.length === 0
        ? ''
        : ` (or the ${roles.length === 1 ? roles[0] : `${roles.slice(0, -1).join(', ')} or ${roles[roles.length - 1]}`} role)`;
    return `${requirement.grant ?? CAPABILITY_NAMES[requirement.capability]}${orRole}, needed to ${requirement.tasks.join('; ')}: ${requirement.because}.`;
}
function evaluate(capability, evidence, app) {
    const { claims } = evidence;
    const rule = _graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__/* .CAPABILITY_RULES */ .j_[capability];
    const allowedBy = grantedBy(capability, claims);
    if (allowedBy !== undefined)
        return { verdict: 'granted', because: allowedBy };
    let grant = rule.grant;
    let notOwned;
    let lacking = `its token has no permission or admin role that allows it`;
    if (capability === 'manage-app') {
        if (claims.roles.includes('Application.ReadWrite.OwnedBy')) {
            if (app === undefined)
                return { verdict: 'granted', because: 'Application.ReadWrite.OwnedBy in its token (it will own the app it creates)' };
            if (evidence.ownedObjectIds === undefined) {
                return { verdict: 'unknown', because: 'Application.ReadWrite.OwnedBy in its token, but whether it owns the app could not be read', grant: 'Application.ReadWrite.All' };
            }
            if (evidence.ownedObjectIds.some(id => sameId(id, app.objectId))) {
                return { verdict: 'granted', because: 'Application.ReadWrite.OwnedBy in its token, on an app it owns' };
            }
            notOwned = app;
            lacking = `it has Application.ReadWrite.OwnedBy, which covers only apps it owns, and it is not an owner of "${app.displayName}" (appId ${app.appId})`;
        }
        // An existing app it does not own: Application.ReadWrite.OwnedBy alone would not do.
        if (app !== undefined)
            grant = 'Application.ReadWrite.All';
    }
    if (claims.wids === undefined)
        return { verdict: 'unknown', because: `${lacking}, and the token has no wids claim, so its directory roles are unknown`, grant };
    if (rule.customRolesMayAllow) {
        if (evidence.roleAssignments === undefined) {
            return { verdict: 'unknown', because: `${lacking}; a custom directory role could allow it, and its role assignments could not be read`, grant };
        }
        const unexplained = evidence.roleAssignments.filter(assignment => !(assignment.directoryScopeId === '/' && claims.wids?.includes(assignment.roleDefinitionId.toLowerCase())));
        if (unexplained.length > 0) {
            return {
                verdict: 'unknown',
                because: `${lacking}, but it holds directory roles the token does not show (custom or scoped: ${unexplained.map(a => a.roleDefinitionId).join(', ')})`,
                grant
            };
        }
    }
    return { verdict: 'missing', because: lacking, grant, ...(notOwned === undefined ? {} : { notOwned }) };
}
/** The permission or built-in role in the token that allows the capability outright, in words. */
function grantedBy(capability, claims) {
    const rule = _graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__/* .CAPABILITY_RULES */ .j_[capability];
    const permission = rule.permissions.find(candidate => claims.roles.includes(candidate));
    if (permission !== undefined)
        return `${permission} in its token`;
    const role = rule.directoryRoles.find(candidate => claims.wids?.includes(_graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__/* .ADMIN_DIRECTORY_ROLES */ .KJ[candidate]));
    return role === undefined ? undefined : `the ${role} role in its token`;
}
/** The token's claims as the preflight reads them (see IdentityClaims). */
function identityClaimsOf(claims) {
    const strings = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
    return {
        ...(typeof claims.oid === 'string' && claims.oid !== '' ? { servicePrincipalId: claims.oid } : {}),
        roles: strings(claims.roles),
        // The default app-only wid is not a role; keeping it would not change a verdict, dropping it keeps messages clean.
        ...(Array.isArray(claims.wids) ? { wids: strings(claims.wids).map(id => id.toLowerCase()).filter(id => id !== _graph_permissions_js__WEBPACK_IMPORTED_MODULE_2__/* .DEFAULT_APP_ONLY_WID */ .u1) } : {})
    };
}
function sameId(a, b) {
    return a.toLowerCase() === b.toLowerCase();
}


/***/ }),

/***/ 5055:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $s: () => (/* binding */ jwtClaimValue),
/* harmony export */   Kn: () => (/* binding */ credentialOptions),
/* harmony export */   Ty: () => (/* binding */ provisioningIdentityClaims),
/* harmony export */   nL: () => (/* binding */ provisioningCredential)
/* harmony export */ });
/* unused harmony exports explainSignInError, reusableToken, jwtClaim */
/* harmony import */ var _azure_identity__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8256);
/* harmony import */ var _cloud_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1486);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3916);
/* harmony import */ var _runner_github_event_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6922);
/* harmony import */ var _runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9733);
/* harmony import */ var _preflight_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(7903);
/* harmony import */ var _subject_scope_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6909);
/**
 * Sign-in of the provisioning identity with @azure/identity: a client secret, a client
 * certificate, or (the default, no stored secret at all) GitHub's OIDC token exchanged
 * through a federated identity credential. Failures become sentences that say what to fix.
 */







/** The provisioning identity's credential, with errors translated for the user. */
function provisioningCredential(settings) {
    const { signIn, cloud } = settings;
    const tenantId = settings.tenantId;
    const clientId = signIn.clientId;
    if (tenantId === undefined || clientId === undefined) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y("Provision mode needs 'tenant-id' and 'client-id'.");
    }
    const options = credentialOptions(cloud);
    let lastOidcSubject;
    const oidcToken = reusableToken(() => githubIdToken(signIn.audience));
    let credential;
    switch (signIn.method) {
        case 'client-secret':
            credential = new _azure_identity__WEBPACK_IMPORTED_MODULE_0__/* .ClientSecretCredential */ .HC(tenantId, clientId, signIn.clientSecret ?? '', options);
            break;
        case 'client-certificate':
            credential = new _azure_identity__WEBPACK_IMPORTED_MODULE_0__/* .ClientCertificateCredential */ .m0(tenantId, clientId, 
            // An encrypted key is decrypted by @azure/identity with its password.
            {
                certificate: signIn.clientCertificatePem ?? '',
                ...(signIn.clientCertificatePassword === undefined ? {} : { certificatePassword: signIn.clientCertificatePassword })
            }, options);
            break;
        case 'github-oidc':
            credential = new _azure_identity__WEBPACK_IMPORTED_MODULE_0__/* .ClientAssertionCredential */ .XI(tenantId, clientId, 
            // Called for every token request. GitHub's token lives about 10 minutes: reuse it
            // while it has minutes left (one GitHub round trip, not one per Graph call), and
            // fetch a fresh one after that, so long replication waits never use a stale one.
            async () => {
                const token = await oidcToken();
                lastOidcSubject = jwtClaim(token, 'sub');
                return token;
            }, options);
            break;
    }
    return new ExplainedCredential(credential, error => explainSignInError(error, { settings, oidcSubject: lastOidcSubject, job: (0,_runner_github_event_js__WEBPACK_IMPORTED_MODULE_3__/* .readJobFacts */ .$)(process.env) }));
}
/**
 * Signs in and reads what the provisioning identity's Graph token says it may do (`oid`,
 * `roles`, `wids`), for the preflight. This is the run's sign-in: the Graph client's first
 * request gets the same token from the credential's cache, so it costs no extra round trip.
 */
async function provisioningIdentityClaims(credential, cloud) {
    const token = await credential.getToken((0,_cloud_js__WEBPACK_IMPORTED_MODULE_1__/* .defaultScope */ ._V)(cloud.graphResource));
    const raw = token?.token ?? '';
    return (0,_preflight_js__WEBPACK_IMPORTED_MODULE_5__/* .identityClaimsOf */ .Rf)({ oid: jwtClaimValue(raw, 'oid'), roles: jwtClaimValue(raw, 'roles'), wids: jwtClaimValue(raw, 'wids') });
}
/** Options shared by every credential this action builds (provisioning and verify). */
function credentialOptions(cloud) {
    // With an authority host that is not one of Microsoft's, msal-node only accepts it as
    // a known authority when instance discovery is off (FACTS.md "Tokens"). Microsoft's own
    // hosts work the same way with it off, so production and the emulator share one path.
    return {
        authorityHost: cloud.authorityHost,
        disableInstanceDiscovery: true,
        additionalPolicies: [{ policy: openIdConfigurationCache, position: 'perCall' }]
    };
}
/**
 * msal-node fetches the tenant's OpenID configuration once per credential before its first
 * token request, and every credential is a new msal client with an empty cache: the
 * provisioning sign-in and each verify attempt would all pay that round trip again. The
 * document does not change while the action runs, so one successful answer per URL is
 * shared for the life of the process (concurrent requests share the one in flight).
 */
const openIdConfigurations = new Map();
const openIdConfigurationCache = {
    name: 'exoCbaOpenIdConfigurationCache',
    async sendRequest(request, next) {
        if (request.method !== 'GET' || !/\/\.well-known\/openid-configuration$/.test(new URL(request.url).pathname))
            return next(request);
        let answer = openIdConfigurations.get(request.url);
        if (answer === undefined) {
            answer = next(request);
            openIdConfigurations.set(request.url, answer);
            // Only a good answer is kept: a failure is retried by the next credential.
            answer.then(response => {
                if (response.status !== 200)
                    openIdConfigurations.delete(request.url);
            }, () => openIdConfigurations.delete(request.url));
            return answer;
        }
        return { ...(await answer), request };
    }
};
async function githubIdToken(audience) {
    const { token } = await (0,_runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_4__/* .requestGitHubIdToken */ .zl)(audience, "No sign-in for the provisioning identity: 'client-secret' and 'client-certificate' are empty, so the action uses GitHub OIDC, but this job cannot request an OIDC token. Add `permissions: id-token: write` (and `contents: read`) to the job or workflow, or pass a client-secret or client-certificate.");
    return token;
}
/**
 * Turns msal/identity errors into what the user should do. The command to trust this job's
 * OIDC subject is printed only when a reviewer guards it (subject-scope.ts
 * unprotectedDefaultSubject, with `job`: this job's event, ref and default branch; unknown
 * facts count as unguarded); otherwise it points to an environment with required reviewers.
 */
function explainSignInError(error, context) {
    if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y)
        return error;
    const message = error?.message ?? String(error);
    const { settings } = context;
    const who = `the provisioning identity (client-id ${settings.signIn.clientId}) in tenant ${settings.tenantId}`;
    const code = /AADSTS(\d+)/.exec(message)?.[1];
    switch (code) {
        case '70021':
        case '700213':
        case '700211':
        case '700212': {
            const subject = context.oidcSubject ?? '(unknown)';
            if ((0,_subject_scope_js__WEBPACK_IMPORTED_MODULE_6__/* .scopeOfSubject */ .g4)(subject).context.kind === 'pull-request') {
                // Never suggest trusting it: the provisioning identity can grant itself and the Exchange
                // app more privileges, and anyone who can open a pull request would hold it.
                return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Entra ID found no federated credential of ${who} matching this workflow's GitHub token (AADSTS${code}): the token is a pull-request job's (subject '${subject}'). Do not trust pull-request subjects for the provisioning identity: anyone who can open a pull request could then manage the tenant's apps and roles. Run provision mode from the default branch or, better, in an environment with required reviewers (jobs.<job_id>.environment), and trust that subject (repo:OWNER/REPO:environment:NAME) instead.`, { cause: error });
            }
            const unreviewed = context.oidcSubject === undefined ? undefined : (0,_subject_scope_js__WEBPACK_IMPORTED_MODULE_6__/* .unprotectedDefaultSubject */ .jk)(subject, context.job ?? {}, "sign in as the provisioning identity and manage the tenant's apps and roles");
            if (unreviewed !== undefined) {
                // Nor a feature branch's: the provisioning identity can grant itself and the Exchange app more privileges.
                return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Entra ID found no federated credential of ${who} matching this workflow's GitHub token (AADSTS${code}), subject '${subject}'. Do not trust this subject for the provisioning identity: ${unreviewed}. Run provision mode from the default branch or, better, in an environment with required reviewers (jobs.<job_id>.environment), and trust that subject (repo:OWNER/REPO:environment:NAME) instead.`, { cause: error });
            }
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Entra ID found no federated credential of ${who} matching this workflow's GitHub token (AADSTS${code}). The token says: issuer ${_runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_4__/* .GITHUB_ACTIONS_ISSUER */ .qQ}, subject '${subject}', audience '${settings.signIn.audience}'. Add a federated credential with exactly these values: Entra admin center → App registrations → the provisioning app → Certificates & secrets → Federated credentials → Add → "GitHub Actions deploying Azure resources" (or \`az ad app federated-credential create --id ${settings.signIn.clientId} --parameters '{"name":"github","issuer":"${_runner_github_oidc_js__WEBPACK_IMPORTED_MODULE_4__/* .GITHUB_ACTIONS_ISSUER */ .qQ}","subject":"${subject}","audiences":["${settings.signIn.audience}"]}'\`). A credential used right after it is created can take a minute to work.`, { cause: error });
        }
        case '7000215':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`The client-secret of ${who} is wrong or expired (AADSTS7000215). Create a new secret for the app and update the workflow secret.`, { cause: error });
        case '700027':
        case '700024':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Entra ID rejected the client-certificate of ${who} (AADSTS${code}): the certificate is not on the app, or has expired. Upload its public certificate to the app (Certificates & secrets).`, { cause: error });
        case '700016':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`No app with client-id ${settings.signIn.clientId} exists in tenant ${settings.tenantId} (AADSTS700016). Check 'client-id' and 'tenant-id'.`, { cause: error });
        case '90002':
        case '900023':
            return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Tenant '${settings.tenantId}' was not found (AADSTS${code}). Check 'tenant-id' and 'cloud'.`, { cause: error });
    }
    // msal reads the tenant's OpenID configuration before any token request; an unknown
    // tenant answers it with AADSTS90002, but msal reports only this code.
    if (/endpoints_resolution_error/.test(message)) {
        return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Could not read the sign-in configuration of tenant '${settings.tenantId}' from ${settings.cloud.authorityHost}: the tenant does not exist in the ${settings.cloud.name} cloud, or that host cannot be reached. Check 'tenant-id' (the tenant GUID or any of its verified domains), 'cloud' and 'authority-host'.`, { cause: error });
    }
    return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .y(`Sign-in of ${who} failed: ${message}`, { cause: error });
}
/** Wraps a credential so its failures are explained once, where they happen. */
class ExplainedCredential {
    inner;
    explain;
    constructor(inner, explain) {
        this.inner = inner;
        this.explain = explain;
    }
    async getToken(scopes, options) {
        try {
            return await this.inner.getToken(scopes, options);
        }
        catch (error) {
            throw this.explain(error);
        }
    }
}
/** Seconds of life a reused GitHub token must still have. */
const OIDC_REUSE_MARGIN_SECONDS = 120;
/** Wraps a JWT source so a token is reused until it is within the margin of its `exp`. */
function reusableToken(fetchToken, now = Date.now) {
    let cached;
    return async () => {
        if (cached !== undefined && cached.expiresAt - OIDC_REUSE_MARGIN_SECONDS * 1000 > now())
            return cached.token;
        const token = await fetchToken();
        const exp = Number(jwtClaimValue(token, 'exp'));
        cached = Number.isFinite(exp) && exp > 0 ? { token, expiresAt: exp * 1000 } : undefined;
        return token;
    };
}
/** One claim of a JWT's payload (not verified: only for reading our own tokens); undefined when unreadable. */
function jwtClaimValue(token, claim) {
    try {
        return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))[claim];
    }
    catch {
        return undefined;
    }
}
/** Reads one claim of a JWT without verifying it (for messages only). */
function jwtClaim(token, claim) {
    const value = jwtClaimValue(token, claim);
    return typeof value === 'string' ? value : undefined;
}


/***/ }),

/***/ 6922:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ readJobFacts)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/**
 * What the runner tells a job about where it runs, for deciding whether this job's own OIDC
 * subject is one a reviewer guards. The runner exposes no default-branch variable; the
 * event payload at GITHUB_EVENT_PATH carries it as `repository.default_branch` for events
 * that come from a repository (push, pull_request, workflow_dispatch, …; github/docs
 * webhooks/webhook-events-and-payloads.md). A scheduled run's payload has none.
 */

function readJobFacts(env = process.env) {
    const value = (name) => env[name]?.trim() || undefined;
    const defaultBranch = readDefaultBranch(value('GITHUB_EVENT_PATH'));
    const facts = {};
    const set = (key, v) => {
        if (v !== undefined)
            facts[key] = v;
    };
    set('eventName', value('GITHUB_EVENT_NAME'));
    set('ref', value('GITHUB_REF'));
    set('defaultBranch', defaultBranch);
    set('repository', value('GITHUB_REPOSITORY'));
    set('repositoryOwnerId', value('GITHUB_REPOSITORY_OWNER_ID'));
    set('repositoryId', value('GITHUB_REPOSITORY_ID'));
    return facts;
}
function readDefaultBranch(path) {
    if (path === undefined)
        return undefined;
    try {
        const payload = JSON.parse((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(path, 'utf8'));
        const branch = payload.repository?.default_branch;
        return typeof branch === 'string' && branch !== '' ? branch : undefined;
    }
    catch {
        // No payload (outside Actions) or not JSON: the default branch stays unknown, which refuses
        // a default subject rather than trusting a branch nobody confirmed.
        return undefined;
    }
}


/***/ })

};
