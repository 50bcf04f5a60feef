export const id = 854;
export const ids = [854];
export const modules = {

/***/ 7854:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runProvision: () => (/* binding */ runProvision)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 16 modules
var core = __webpack_require__(8179);
// EXTERNAL MODULE: ./src/certificate/index.ts + 13 modules
var src_certificate = __webpack_require__(3733);
// EXTERNAL MODULE: ./src/connect-files.ts + 2 modules
var connect_files = __webpack_require__(2426);
// EXTERNAL MODULE: ./src/entra/exchange-token.ts
var exchange_token = __webpack_require__(1735);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/settings.ts + 2 modules
var src_settings = __webpack_require__(3871);
// EXTERNAL MODULE: ./src/runner/github-event.ts
var github_event = __webpack_require__(6922);
// EXTERNAL MODULE: ./src/runner/github-oidc.ts
var github_oidc = __webpack_require__(9733);
// EXTERNAL MODULE: ./src/entra/subject-scope.ts
var subject_scope = __webpack_require__(6909);
;// CONCATENATED MODULE: ./src/entra/trusted-subjects.ts
/**
 * Which GitHub Actions jobs the Exchange app trusts with `credential: federated`: the
 * subjects and issuer of their OIDC tokens. Given in `federated-subjects` and
 * `federated-issuer`, or, by default, those of the job running provision mode (the usual
 * setup: the bootstrap workflow runs where the everyday jobs run). A default subject that a
 * pull request or an unreviewed branch could present is refused (subject-scope.ts).
 */





/** Throws a UserError, before anything is written, when the default subject is one nobody reviews. */
async function resolveFederation(settings, env = process.env) {
    const credential = settings.credential;
    const audience = credential.audience;
    const job = (0,github_oidc/* canRequestGitHubIdToken */.Fs)(env) ? await (0,github_oidc/* requestGitHubIdToken */.zl)(audience, 'unreachable: checked above') : undefined;
    const facts = (0,github_event/* readJobFacts */.$)(env);
    const notes = [];
    const warnings = [];
    const gitHubIssuer = (0,github_oidc/* gitHubIssuerFor */.KO)(env.GITHUB_SERVER_URL);
    // Entra matches the issuer to the tokens' `iss` as given: a federated-issuer that names the
    // same issuer as this job's token (or GitHub's) in another spelling is written as the tokens spell it.
    const tokenIssuer = job?.issuer ?? gitHubIssuer;
    const issuer = credential.issuer === undefined || (0,subject_scope/* sameIssuer */.KI)(credential.issuer, tokenIssuer) ? tokenIssuer : credential.issuer;
    let subjects = credential.subjects;
    if (subjects.length === 0) {
        // No GITHUB_REF fallback: a subject built from the ref would be a guess (an environment job's is not a ref subject).
        if (job?.subject === undefined)
            throw new errors/* UserError */.y((0,src_settings/* noSubjectsWithoutOidcToken */.lO)(), { input: 'federated-subjects' });
        const unprotected = (0,subject_scope/* unprotectedDefaultSubject */.jk)(job.subject, facts);
        if (unprotected !== undefined && !credential.allowUnprotectedSubjects) {
            throw new errors/* UserError */.y((0,subject_scope/* defaultSubjectRefusal */.gc)(unprotected), { input: 'federated-subjects' });
        }
        if (unprotected !== undefined)
            warnings.push(`The Exchange app trusts this job's own subject although ${unprotected} (${subject_scope/* ALLOW_UNPROTECTED_INPUT */.vz}: true).`);
        subjects = [job.subject];
        notes.push(`federated-subjects is empty, so the app trusts this job's own subject '${job.subject}'. Jobs elsewhere (another branch, an environment) need their subjects listed in federated-subjects.`);
    }
    warnings.push(...(0,subject_scope/* trustWarnings */.ak)({
        listed: credential.subjects,
        subjects,
        issuer,
        gitHubIssuer,
        ...(job?.issuer === undefined ? {} : { jobIssuer: job.issuer }),
        ...(job?.environment === undefined ? {} : { jobEnvironment: job.environment }),
        allowUnprotected: credential.allowUnprotectedSubjects
    }, facts));
    return { federation: { subjects, issuer, audience }, ...(job === undefined ? {} : { job }), notes, warnings };
}
/**
 * True when this job's token is one the app trusts, so it can sign in (to verify, or to
 * connect). Entra compares subject and issuer as strings (subject-scope.ts sameIssuer), so
 * this does too: "trusted" only where Entra would accept the token; resolveFederation writes
 * the token's own spelling of its issuer.
 */
function jobIsTrusted(resolved) {
    const job = resolved.job;
    if (job?.subject === undefined || job.issuer === undefined)
        return false;
    return resolved.federation.subjects.includes(job.subject) && job.issuer === resolved.federation.issuer;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/github/secret-set.ts
/**
 * The secret set: where a pipeline keeps the certificate it signs in with. Pipelines of
 * different repositories or environments that keep the default app-name share one app (its
 * uniqueName comes from the name), so each certificate the action puts on the app records its
 * set in its display name, and `revoke-previous` removes only certificates of the run's own
 * set: never the one another pipeline's jobs are using.
 */

const SECRET_SET_ID_PATTERN = /^[0-9a-f]{8}$/;
/**
 * The set of a run's `secret-target`, `secret-environment`, `repository` and `secret-prefix`.
 * Runs that write the same secrets get the same set, whatever else differs: organization
 * secrets belong to the organization (every repository writing them shares them), repository
 * and environment secrets to their repository. With `secret-target: none` the workflow keeps
 * the PFX itself (it passes `pfx-base64` from wherever it stored it), so the set is the
 * repository and the prefix: pipelines of one repository that keep their own certificates that
 * way need different `secret-prefix` values. Owner, repository and environment names are
 * compared without case, as GitHub does ("Environment names are not case sensitive":
 * https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment).
 */
function secretSetOf(secrets) {
    const repository = secrets.repository === undefined ? '' : `${secrets.repository.owner}/${secrets.repository.repo}`;
    const prefix = secrets.prefix.toUpperCase();
    let where;
    let description;
    switch (secrets.target) {
        case 'organization': {
            const org = secrets.repository?.owner ?? '';
            where = [org.toLowerCase()];
            description = `organization secrets of ${org}`;
            break;
        }
        case 'environment': {
            const environment = secrets.environment ?? '';
            where = [repository.toLowerCase(), environment.toLowerCase()];
            description = `environment ${environment} secrets of ${repository}`;
            break;
        }
        case 'repository':
            where = [repository.toLowerCase()];
            description = `repository secrets of ${repository}`;
            break;
        case 'none':
            where = [repository.toLowerCase()];
            description = `kept by the workflow (secret-target: none)${repository === '' ? '' : ` in ${repository}`}`;
            break;
    }
    const id = (0,external_node_crypto_.createHash)('sha256').update(JSON.stringify([secrets.target, ...where, prefix]), 'utf8').digest('hex').slice(0, 8);
    return { id, description: `${description}, prefix ${prefix}` };
}
/** `secret-prefix`'s default (action.yml). */
const DEFAULT_PREFIX = 'EXO_';
/**
 * The scope whose federated credentials made by earlier versions (which recorded no set) this
 * run may count as its own, or undefined. Only a set under the default prefix does: repository
 * secrets (or `secret-target: none`) for the repository's non-environment subjects, environment
 * secrets for their environment's subject (federated-credentials.ts claimsEarlierVersion).
 * Pipelines of one repository that share an app differ by environment or prefix, so a set under
 * another prefix, or an organization's, may be a sibling of the one that made them. The
 * immutable ids are the runner's, used only when the secrets' repository is the one the run is in.
 */
function earlierFederatedCredentialsOf(secrets, runner) {
    if (secrets.repository === undefined || secrets.target === 'organization')
        return undefined;
    if (secrets.prefix.toUpperCase() !== DEFAULT_PREFIX)
        return undefined;
    if (secrets.target === 'environment' && (secrets.environment ?? '') === '')
        return undefined;
    const { owner, repo } = secrets.repository;
    const here = runner.repository?.toLowerCase() === `${owner}/${repo}`.toLowerCase();
    return {
        owner,
        repo,
        ...(here && runner.repositoryOwnerId !== undefined ? { ownerId: runner.repositoryOwnerId } : {}),
        ...(here && runner.repositoryId !== undefined ? { repoId: runner.repositoryId } : {}),
        ...(secrets.target === 'environment' ? { environment: secrets.environment } : {})
    };
}

// EXTERNAL MODULE: ./node_modules/@microsoft/microsoft-graph-client/lib/src/index.js
var src = __webpack_require__(1899);
// EXTERNAL MODULE: ./node_modules/@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js
var azureTokenCredentials = __webpack_require__(8316);
// EXTERNAL MODULE: ./src/cloud.ts
var src_cloud = __webpack_require__(1486);
;// CONCATENATED MODULE: ./src/entra/retry.ts
/**
 * The one place that knows when a Graph (or Entra) request is worth trying again, and
 * how long to wait. Everything else asks this module; nothing sleeps on its own.
 *
 * - Throttling (429) and unavailability (503/504, dropped connections): wait exactly as
 *   long as Retry-After says, otherwise exponential backoff with full jitter, bounded in
 *   total time. A Retry-After longer than the budget has left fails at once.
 * - Replication lag (FACTS.md "Eventual consistency"): only the documented errors, only
 *   when the caller says the object may not have replicated yet (`newObject`), bounded.
 */

/** Throttling and outages: Graph asks for seconds, outages rarely last minutes. */
const TRANSIENT_BUDGET = { maxTotalWaitMs: 120_000, baseDelayMs: 500, maxDelayMs: 30_000 };
/** Replication: "app role assignments appear after 30–60 s" (FACTS.md); allow some margin. */
const REPLICATION_BUDGET = { maxTotalWaitMs: 90_000, baseDelayMs: 500, maxDelayMs: 8_000 };
/** Decides what kind of failure this is. `newObject`: the request touches an object that may not have replicated yet. */
function classifyFailure(facts, newObject) {
    const retryAfterMs = parseRetryAfter(facts.retryAfter);
    if (facts.networkError)
        return { kind: 'unavailable' };
    if (facts.status === 429)
        return { kind: 'throttled', retryAfterMs };
    if (facts.status === 503 || facts.status === 504)
        return { kind: 'unavailable', retryAfterMs };
    if (newObject && isReplicationLag(facts))
        return { kind: 'replication-lag' };
    return { kind: 'fatal' };
}
/** The errors Graph answers while a recently created object has not replicated yet. */
function isReplicationLag(facts) {
    if (facts.status === 404 && facts.code === 'Request_ResourceNotFound')
        return true;
    if (facts.status === 400 && facts.code === 'Request_BadRequest') {
        const message = facts.message ?? '';
        return (/does not reference a valid application object/i.test(message) ||
            /NoBackingApplicationObject/i.test(message) ||
            /does not exist or one of its queried reference-property objects are not present/i.test(message));
    }
    return false;
}
/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function parseRetryAfter(value, now = Date.now()) {
    if (value === undefined || value === null || value.trim() === '')
        return undefined;
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed))
        return Math.round(Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/**
 * The wait before attempt `attempt` (0-based count of failures so far): Retry-After in full
 * when the service gave one, else exponential backoff with full jitter.
 */
function backoffDelay(attempt, budget, retryAfterMs, random = Math.random) {
    // Never sooner than asked, and never at once: a Retry-After of 0 (or a date already past
    // by this runner's clock) would otherwise retry in a tight loop that the budget never stops.
    if (retryAfterMs !== undefined)
        return Math.max(retryAfterMs, budget.baseDelayMs);
    const ceiling = Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** attempt);
    // Full jitter keeps parallel runs (a matrix of tenants) from retrying in lockstep.
    return Math.max(50, Math.floor(random() * ceiling));
}
/** Tracks one operation's retries against its budget. */
class RetryClock {
    budget;
    sleep;
    waitedMs = 0;
    attempt = 0;
    constructor(budget, sleep = defaultSleep) {
        this.budget = budget;
        this.sleep = sleep;
    }
    /**
     * Waits before the next attempt; returns false, without waiting, when the wait does not
     * fit in what is left of the budget (give up). A Retry-After that does not fit is never
     * shortened to fit: see `RetryAfterBeyondBudget`.
     */
    async waitBeforeRetry(retryAfterMs) {
        const delay = backoffDelay(this.attempt, this.budget, retryAfterMs);
        if (this.waitedMs + delay > this.budget.maxTotalWaitMs)
            return false;
        this.attempt++;
        this.waitedMs += delay;
        await this.sleep(delay);
        return true;
    }
    /**
     * Counts time spent outside this clock's waits (the requests themselves) against the
     * budget, so the budget caps the whole time, not only the sleeps.
     */
    spent(ms) {
        this.waitedMs += Math.max(0, ms);
    }
    get attempts() {
        return this.attempt;
    }
    get totalWaitMs() {
        return this.waitedMs;
    }
    /** What is left of the budget to wait. */
    get remainingMs() {
        return Math.max(0, this.budget.maxTotalWaitMs - this.waitedMs);
    }
    /** True when the service asks for a longer wait than the budget has left (the reason to give up at once). */
    retryAfterBeyondBudget(retryAfterMs) {
        return retryAfterMs !== undefined && retryAfterMs > this.remainingMs;
    }
}
/**
 * The service asked to wait longer (Retry-After) than the retry budget has left. A retry
 * sooner would be refused again and count against the app's quota; waiting past the budget
 * would hold the job far longer than it promises. So the run stops at once and says when a
 * rerun can get through.
 */
class RetryAfterBeyondBudget extends errors/* UserError */.y {
    request;
    status;
    retryAfterMs;
    remainingMs;
    constructor(
    /** e.g. `PATCH /applications/{id}`. */
    request, status, retryAfterMs, remainingMs, options) {
        const asked = seconds(retryAfterMs);
        super(`Microsoft Graph answered ${status} to ${request} and asked to wait ${asked} s before retrying, more than the ${seconds(remainingMs)} s left of this run's retry budget, so the run stops here instead of retrying early. ` +
            `Graph throttles per app per tenant: rerun the workflow once ${asked} s have passed, and keep other jobs and tools that use the same provisioning identity in this tenant from running at the same time (a 'concurrency:' group).`, options);
        this.request = request;
        this.status = status;
        this.retryAfterMs = retryAfterMs;
        this.remainingMs = remainingMs;
    }
}
/** 45, 0.5: whole seconds as such, anything else to a tenth. */
function seconds(ms) {
    const value = ms / 1000;
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
/**
 * How long after its creation an object counts as possibly not replicated yet. Directory
 * writes usually reach every replica within seconds, app role assignments within 30–60 s
 * (FACTS.md); an object a concurrent run created is at most that run's length (a minute or
 * two) old when this run first sees it; and the runner's clock may be a few minutes off
 * Graph's. Ten minutes covers all three with margin, and erring long costs little: only a
 * genuine 404 on an object this young (deleted in between) waits out the replication budget
 * before it fails.
 */
const RECENTLY_CREATED_MS = 10 * 60_000;
/** Whether Graph's `createdDateTime` is recent enough that replication lag is still possible. */
function createdRecently(createdDateTime, now) {
    if (createdDateTime === undefined || createdDateTime === null)
        return false;
    const created = Date.parse(createdDateTime);
    // A time ahead of ours is clock skew: recent.
    return !Number.isNaN(created) && now.getTime() - created < RECENTLY_CREATED_MS;
}
function defaultSleep(ms) {
    return new Promise(resolve => setTimeout(resolve, ms));
}

;// CONCATENATED MODULE: ./src/entra/graph.ts




/** A Graph error answer, with the pieces a user or a retry decision needs. */
class GraphRequestError extends Error {
    method;
    path;
    status;
    code;
    graphMessage;
    requestId;
    name = 'GraphRequestError';
    constructor(method, path, status, code, graphMessage, requestId) {
        super(`Microsoft Graph answered ${status} ${code} to ${method} ${path}: ${graphMessage}`);
        this.method = method;
        this.path = path;
        this.status = status;
        this.code = code;
        this.graphMessage = graphMessage;
        this.requestId = requestId;
    }
}
class Graph {
    client;
    options;
    signIn;
    retryAfterRefusals;
    stats = { reads: 0, writes: 0, retries: 0 };
    constructor(client, options, signIn, retryAfterRefusals) {
        this.client = client;
        this.options = options;
        this.signIn = signIn;
        this.retryAfterRefusals = retryAfterRefusals;
    }
    static create(credential, cloud, options = {}) {
        // The Graph client wraps a credential's failure in its own error type, which would
        // hide the sign-in explanation (a UserError) behind "unexpected error". Keep the last
        // one and rethrow it as it was.
        const signIn = {};
        const trackedCredential = {
            getToken: async (scopes, tokenOptions) => {
                try {
                    return await credential.getToken(scopes, tokenOptions);
                }
                catch (error) {
                    signIn.lastError = error;
                    throw error;
                }
            }
        };
        const auth = new src/* AuthenticationHandler */.zA(new azureTokenCredentials.TokenCredentialAuthenticationProvider(trackedCredential, { scopes: [(0,src_cloud/* defaultScope */._V)(cloud.graphResource)] }));
        let graph;
        const retryAfterRefusals = new WeakMap();
        const retry = new TransientRetryMiddleware(options.transientBudget ?? TRANSIENT_BUDGET, options.sleep, retryAfterRefusals, (event) => {
            if (graph !== undefined) {
                if (event.retry)
                    graph.stats.retries++;
                options.onExchange?.(event);
            }
        });
        auth.setNext(retry);
        retry.setNext(new src/* HTTPMessageHandler */.eg());
        const endpoint = new URL(cloud.graphEndpoint);
        const client = src/* Client */.Kj.initWithMiddleware({
            middleware: auth,
            baseUrl: `${cloud.graphEndpoint}/`,
            defaultVersion: 'v1.0',
            // The auth middleware only attaches tokens to known Graph hosts or these.
            customHosts: new Set([endpoint.hostname])
        });
        graph = new Graph(client, options, signIn, retryAfterRefusals);
        return graph;
    }
    /**
     * Sends one request; retries as retry.ts says; throws GraphRequestError on an error answer,
     * or RetryAfterBeyondBudget when Graph asked for a longer wait than the budget has left.
     */
    async call(call) {
        const clock = new RetryClock(this.options.replicationBudget ?? REPLICATION_BUDGET, this.options.sleep);
        // A $batch envelope is neither a read nor a write: batch() counts its steps.
        if (call.path !== '/$batch')
            this.count(call.method, 1);
        for (;;) {
            const response = await this.send(call);
            if (response.ok)
                return { status: response.status, body: (await readBody(response)), headers: response.headers };
            const error = await toGraphError(call, response);
            const refusal = this.retryAfterRefusals.get(response);
            if (refusal !== undefined) {
                throw new RetryAfterBeyondBudget(`${error.method} ${error.path}`, error.status, refusal.retryAfterMs, refusal.remainingMs, { cause: error });
            }
            const failure = classifyFailure({ status: error.status, code: error.code, message: error.graphMessage }, call.newObject ?? false);
            if (failure.kind === 'replication-lag' && (await clock.waitBeforeRetry())) {
                this.stats.retries++;
                continue;
            }
            throw error;
        }
    }
    /**
     * Sends up to 20 calls in one `$batch` round trip. Each answer is its own: a throttled,
     * unavailable or not-yet-replicated sub-request (and one that waited on it, 424) is sent
     * again (in a smaller batch) as the retry policy says; other failures come back as
     * GraphRequestError values, not thrown.
     */
    async batch(calls) {
        if (calls.length > 20)
            throw new Error('A Graph $batch takes at most 20 requests');
        const results = new Map();
        let pending = calls;
        for (const call of calls)
            this.count(call.method, 1);
        const clock = new RetryClock(this.options.transientBudget ?? TRANSIENT_BUDGET, this.options.sleep);
        const lagClock = new RetryClock(this.options.replicationBudget ?? REPLICATION_BUDGET, this.options.sleep);
        while (pending.length > 0) {
            const answer = await this.call({
                method: 'POST',
                path: '/$batch',
                body: {
                    requests: pending.map(c => ({
                        id: c.id,
                        method: c.method,
                        url: c.path,
                        ...(c.dependsOn && c.dependsOn.length > 0 ? { dependsOn: c.dependsOn.filter(d => pending.some(p => p.id === d)) } : {}),
                        ...(c.body === undefined ? {} : { body: c.body, headers: { 'Content-Type': 'application/json', ...c.headers } }),
                        ...(c.body === undefined && c.headers ? { headers: c.headers } : {})
                    }))
                }
            });
            const again = [];
            let retryAfterMs;
            /** The step that asked for the longest wait. */
            let waitAskedBy;
            let lagOnly = true;
            for (const sub of answer.body.responses) {
                const call = pending.find(c => c.id === sub.id);
                if (call === undefined)
                    continue;
                if (sub.status < 400) {
                    results.set(sub.id, { status: sub.status, body: sub.body, headers: new Headers(sub.headers ?? {}) });
                    continue;
                }
                const error = batchError(call, sub);
                const failure = classifyFailure({ status: sub.status, code: error.code, message: error.graphMessage, retryAfter: sub.headers?.['Retry-After'] ?? sub.headers?.['retry-after'] }, call.newObject ?? false);
                results.set(sub.id, error);
                // 424: a request it depended on failed; it goes again with that one (filtered below).
                if (failure.kind === 'fatal' && sub.status !== 424)
                    continue;
                again.push(call);
                if (failure.kind !== 'replication-lag' && sub.status !== 424)
                    lagOnly = false;
                if ((failure.kind === 'throttled' || failure.kind === 'unavailable') && failure.retryAfterMs !== undefined && failure.retryAfterMs >= (retryAfterMs ?? 0)) {
                    retryAfterMs = failure.retryAfterMs;
                    waitAskedBy = error;
                }
            }
            pending = again.filter(c => !failedDependency(results.get(c.id)) || dependencyGoesAgain(c, again, results));
            if (pending.length === 0)
                break;
            const waited = lagOnly ? await lagClock.waitBeforeRetry() : await clock.waitBeforeRetry(retryAfterMs);
            if (!waited && !lagOnly && waitAskedBy !== undefined && clock.retryAfterBeyondBudget(retryAfterMs)) {
                throw new RetryAfterBeyondBudget(`${waitAskedBy.method} ${waitAskedBy.path}`, waitAskedBy.status, retryAfterMs, clock.remainingMs, { cause: waitAskedBy });
            }
            if (!waited)
                break;
            this.stats.retries += pending.length;
        }
        return results;
    }
    count(method, requests) {
        if (method === 'GET')
            this.stats.reads += requests;
        else
            this.stats.writes += requests;
    }
    async send(call) {
        let request = this.client.api(call.path).responseType(src/* ResponseType */.yl.RAW);
        if (call.headers !== undefined)
            request = request.headers(call.headers);
        try {
            switch (call.method) {
                case 'GET':
                    return (await request.get());
                case 'POST':
                    return (await request.post(call.body ?? {}));
                case 'PATCH':
                    return (await request.patch(call.body ?? {}));
                case 'DELETE':
                    return (await request.delete());
            }
        }
        catch (error) {
            const signInError = this.signIn.lastError;
            this.signIn.lastError = undefined;
            throw signInError ?? error;
        }
    }
}
async function readBody(response) {
    if (response.status === 204)
        return undefined;
    const text = await response.text();
    if (text === '')
        return undefined;
    try {
        return JSON.parse(text);
    }
    catch {
        return text;
    }
}
async function toGraphError(call, response) {
    const body = (await readBody(response));
    return errorFrom(call, response.status, body, response.headers.get('request-id') ?? undefined);
}
function batchError(call, sub) {
    return errorFrom(call, sub.status, sub.body, sub.headers?.['request-id']);
}
function errorFrom(call, status, body, requestId) {
    const error = typeof body === 'object' && body !== null ? body.error : undefined;
    return new GraphRequestError(call.method, call.path.split('?')[0], status, error?.code ?? `HTTP${status}`, error?.message ?? (typeof body === 'string' ? body.slice(0, 300) : ''), requestId ?? error?.innerError?.['request-id']);
}
/**
 * Retries throttled (429) and unavailable (503/504, dropped connection) exchanges,
 * honouring Retry-After in full, within the transient budget.
 */
class TransientRetryMiddleware {
    budget;
    sleep;
    retryAfterRefusals;
    onExchange;
    next;
    constructor(budget, sleep, retryAfterRefusals, onExchange) {
        this.budget = budget;
        this.sleep = sleep;
        this.retryAfterRefusals = retryAfterRefusals;
        this.onExchange = onExchange;
    }
    setNext(next) {
        this.next = next;
    }
    async execute(context) {
        if (this.next === undefined)
            throw new Error('TransientRetryMiddleware needs a next middleware');
        const clock = new RetryClock(this.budget, this.sleep);
        const method = context.options?.method ?? 'GET';
        const url = typeof context.request === 'string' ? context.request : context.request.url;
        for (let retry = false;; retry = true) {
            try {
                await this.next.execute(context);
            }
            catch (error) {
                this.onExchange({ method, url, status: 'network-error', retry });
                const failure = classifyFailure({ networkError: true }, false);
                if (failure.kind === 'unavailable' && (await clock.waitBeforeRetry()))
                    continue;
                throw new Error(`Could not reach Microsoft Graph at ${new URL(url).origin} (${error.message}) after ${clock.attempts + 1} attempts. Check the runner's network and proxy settings.`, { cause: error });
            }
            const response = context.response;
            const status = response?.status ?? 0;
            this.onExchange({ method, url, status, retry });
            const failure = classifyFailure({ status, retryAfter: response?.headers.get('retry-after') }, false);
            if (failure.kind === 'throttled' || failure.kind === 'unavailable') {
                if (await clock.waitBeforeRetry(failure.retryAfterMs)) {
                    // Drain the body so the connection can be reused.
                    await response?.arrayBuffer().catch(() => undefined);
                    continue;
                }
                if (response !== undefined && clock.retryAfterBeyondBudget(failure.retryAfterMs)) {
                    this.retryAfterRefusals.set(response, { retryAfterMs: failure.retryAfterMs, remainingMs: clock.remainingMs });
                }
            }
            return;
        }
    }
}
/** A $batch step answered 424: a step it depended on failed, so it never ran. */
function failedDependency(result) {
    return result instanceof GraphRequestError && result.status === 424;
}
/**
 * A 424 step goes again only beside a step it depends on that is retried for a reason of
 * its own (not merely a 424 in turn); otherwise that dependency failed for good, and so
 * does the step.
 */
function dependencyGoesAgain(call, again, results) {
    return (call.dependsOn ?? []).some(id => again.some(other => other.id === id && !failedDependency(results.get(other.id))));
}

// EXTERNAL MODULE: ./src/entra/grant-commands.ts
var grant_commands = __webpack_require__(4877);
;// CONCATENATED MODULE: ./src/entra/graph-errors.ts
/**
 * Turns Graph error answers into sentences a user can act on. A 403 names the Microsoft
 * Graph application permission the provisioning identity lacks and how to grant it.
 */


/** Which Graph application permission a request needs (least privilege first). */
function permissionFor(method, path) {
    if (/^\/organization/i.test(path)) {
        return { permission: 'Organization.Read.All', grant: 'Organization.Read.All', why: "to discover the tenant's initial domain (or pass 'organization')" };
    }
    if (/\/appRoleAssignedTo|\/appRoleAssignments/i.test(path)) {
        return {
            permission: 'AppRoleAssignment.ReadWrite.All',
            grant: 'AppRoleAssignment.ReadWrite.All',
            why: 'to grant Exchange.ManageAsApp (admin consent) to the app'
        };
    }
    if (/^\/roleManagement\//i.test(path)) {
        return {
            permission: 'RoleManagement.ReadWrite.Directory',
            grant: 'RoleManagement.ReadWrite.Directory',
            why: 'to assign the directory role (e.g. Exchange Administrator) to the app'
        };
    }
    // Reading apps and service principals needs an Application.* permission too; name the one
    // the run needs anyway, so a single grant fixes both the read and the writes after it.
    return {
        permission: 'Application.ReadWrite.OwnedBy (apps it owns) or Application.ReadWrite.All',
        grant: 'Application.ReadWrite.OwnedBy',
        why: method === 'GET' ? 'to find, create and update the app registration and its certificates' : 'to create and update the app registration and its certificates'
    };
}
function explainGraphError(error, context = {}) {
    if (error.status === 403) {
        const need = permissionFor(error.method, error.path);
        const ownedBy = need.grant === 'Application.ReadWrite.OwnedBy' && error.method !== 'GET'
            ? ' With Application.ReadWrite.OwnedBy the provisioning identity can only change apps it owns: add it as an owner of an existing app, grant Application.ReadWrite.All instead, or let it create the app.'
            : '';
        return new errors/* UserError */.y(`Microsoft Graph refused ${error.method} ${error.path} (403 ${error.code}): the provisioning identity lacks the application permission ${need.permission}, needed ${need.why}.${ownedBy} Grant it: ${(0,grant_commands/* portalPath */.GM)([need.grant])} (or: ${(0,grant_commands/* azureCliGrant */.uk)([need.grant], context)}).`, { cause: error });
    }
    if (error.status === 401) {
        return new errors/* UserError */.y(`Microsoft Graph rejected the provisioning identity's token (401 ${error.code}) for ${error.method} ${error.path}: ${error.graphMessage} Check 'cloud' and 'graph-endpoint'.`, { cause: error });
    }
    if (error.status === 429 || error.status === 503 || error.status === 504) {
        return new errors/* UserError */.y(`Microsoft Graph stayed throttled or unavailable for ${error.method} ${error.path} (${error.status}) longer than the retry budget. Nothing is half-done that a rerun cannot finish: run the workflow again later, and lower 'max-parallel' if many tenants run at once.`, { cause: error });
    }
    return new errors/* UserError */.y(`Microsoft Graph answered ${error.status} ${error.code} to ${error.method} ${error.path}: ${error.graphMessage}${error.requestId ? ` (request-id ${error.requestId})` : ''}`, { cause: error });
}

// EXTERNAL MODULE: ./src/entra/well-known.ts
var well_known = __webpack_require__(7844);
;// CONCATENATED MODULE: ./src/entra/key-credentials.ts
/**
 * The app's keyCredentials collection as this action writes it. A keyCredentials PATCH
 * REPLACES the whole collection (FACTS.md), so every write is "all we keep, each with its
 * `key`, plus or minus ours" — these pure helpers compute that list, and the merge for a
 * concurrent writer that replaced the collection between our read and our write.
 */



/** Graph's limit on a keyCredential's displayName. */
const KEY_DISPLAY_NAME_MAX_LENGTH = 90;
/**
 * The displayName that marks a key credential as made by this action for one secret set
 * (github/secret-set.ts), e.g. `exo-cba-action set 1a2b3c4d 0123…CDEF expires 2027-11-26`
 * (87 characters; Graph allows 90). The set lets `revoke-previous` remove only the
 * certificates of the run's own set; customKeyIdentifier is left to Graph (its documented
 * format is inconsistent).
 */
function actionKeyDisplayName(secretSet, thumbprint, notAfter) {
    if (!/^[0-9a-f]{40}$/i.test(thumbprint)) {
        throw new Error(`Expected a SHA-1 thumbprint (40 hex digits), got ${JSON.stringify(thumbprint)}.`);
    }
    if (!SECRET_SET_ID_PATTERN.test(secretSet)) {
        throw new Error(`Expected a secret set id (8 lower-case hex digits), got ${JSON.stringify(secretSet)}.`);
    }
    const name = `${well_known/* ACTION_KEY_DISPLAY_NAME_PREFIX */.rN} set ${secretSet} ${thumbprint.toUpperCase()} expires ${notAfter.toISOString().slice(0, 10)}`;
    // Unreachable with these fixed-length parts; kept so a longer prefix fails loudly, not at Graph.
    if (name.length > KEY_DISPLAY_NAME_MAX_LENGTH) {
        throw new Error(`Key credential displayName is ${name.length} characters; Graph allows ${KEY_DISPLAY_NAME_MAX_LENGTH}.`);
    }
    return name;
}
/** True when this action made the credential (its displayName carries our prefix), in any version. */
function isActionMadeKeyCredential(credential) {
    return (credential.displayName ?? '').startsWith(well_known/* ACTION_KEY_DISPLAY_NAME_PREFIX */.rN);
}
const SET_DISPLAY_NAME = new RegExp(`^${well_known/* ACTION_KEY_DISPLAY_NAME_PREFIX */.rN} set ([0-9a-f]{8}) `);
function keyCredentialMaker(credential) {
    const displayName = credential.displayName ?? '';
    if (!isActionMadeKeyCredential(credential))
        return { kind: 'not-action' };
    const set = SET_DISPLAY_NAME.exec(displayName);
    return set === null ? { kind: 'unrecorded' } : { kind: 'action', secretSet: set[1] };
}
/** SHA-1 of a base64 DER certificate, upper-case hex (the Windows/Entra thumbprint). */
function thumbprintOfDer(derBase64) {
    return (0,external_node_crypto_.createHash)('sha1').update(Buffer.from(derBase64, 'base64')).digest('hex').toUpperCase();
}
/**
 * Every thumbprint (upper-case hex) a credential could stand for. The SHA-1 of `key` is
 * exact; `customKeyIdentifier` is read as hex, as base64 of the 20-byte hash, and as
 * base64 of the hex text, because Graph's format for it is inconsistent.
 */
function keyCredentialThumbprints(credential) {
    const found = new Set();
    if (credential.key)
        found.add(thumbprintOfDer(credential.key));
    const custom = credential.customKeyIdentifier?.trim();
    if (custom) {
        if (/^[0-9a-f]{40}$/i.test(custom))
            found.add(custom.toUpperCase());
        if (/^[A-Za-z0-9+/]+={0,2}$/.test(custom)) {
            const bytes = Buffer.from(custom, 'base64');
            if (bytes.length === 20)
                found.add(bytes.toString('hex').toUpperCase());
            const text = bytes.toString('latin1');
            if (/^[0-9a-f]{40}$/i.test(text))
                found.add(text.toUpperCase());
        }
    }
    return [...found];
}
/** True when the credential is the certificate with this SHA-1 thumbprint. */
function keyCredentialHasThumbprint(credential, thumbprint) {
    return keyCredentialThumbprints(credential).includes(thumbprint.toUpperCase());
}
/**
 * The new credential for a certificate this action made for `secretSet`, marked so it can be
 * pruned once expired and revoked only by a run of the same set.
 */
function newKeyCredential(certificate, secretSet, keyId) {
    return {
        ...(keyId === undefined ? {} : { keyId }),
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        key: certificate.derBase64,
        displayName: actionKeyDisplayName(secretSet, certificate.thumbprint, certificate.notAfter)
        // customKeyIdentifier and the dates are left out: Graph derives them from the certificate.
    };
}
/** The existing collection plus `added` (not added twice when it is already there). */
function keyCredentialsWithNew(existing, added) {
    const kept = existing.map(toWrite);
    return isIn(added, kept) ? kept : [...kept, added];
}
/** The existing collection without the credentials whose keyId is listed. */
function keyCredentialsWithout(existing, keyIds) {
    return existing.filter(credential => !listed(credential.keyId, keyIds)).map(toWrite);
}
/**
 * After a concurrent writer replaced the collection between our read and our write:
 * everything now on the app, plus everything we meant to write that is missing, minus
 * only the keyIds we meant to remove. Nothing present on either side is otherwise dropped.
 */
function mergeKeyCredentials(intended, current, removeKeyIds = []) {
    const merged = current.filter(credential => !listed(credential.keyId, removeKeyIds)).map(toWrite);
    for (const credential of intended) {
        if (credential.keyId !== undefined && listed(credential.keyId, removeKeyIds))
            continue;
        if (!isIn(credential, current))
            merged.push(credential);
    }
    return merged;
}
/**
 * True when a re-read collection shows our write took effect: every intended credential
 * is there and none of the removed keyIds is. False → merge and write again.
 */
function keyCredentialsConfirmed(intended, current, removedKeyIds = []) {
    if (current.some(credential => listed(credential.keyId, removedKeyIds)))
        return false;
    return intended
        .filter(credential => credential.keyId === undefined || !listed(credential.keyId, removedKeyIds))
        .every(credential => isIn(credential, current));
}
function toWrite(credential) {
    if (!credential.key) {
        throw new Error(`Key credential ${credential.keyId} was read without its certificate (key). ` +
            'Read the application with $select=keyCredentials: the collection is replaced on write, ' +
            'so a credential sent without its key would be lost.');
    }
    const write = {
        keyId: credential.keyId,
        type: credential.type,
        usage: credential.usage,
        key: credential.key
    };
    // Re-sent exactly as read: these credentials may not be ours to change.
    if (credential.displayName != null)
        write.displayName = credential.displayName;
    if (credential.startDateTime != null)
        write.startDateTime = credential.startDateTime;
    if (credential.endDateTime != null)
        write.endDateTime = credential.endDateTime;
    if (credential.customKeyIdentifier != null)
        write.customKeyIdentifier = credential.customKeyIdentifier;
    return write;
}
/** Same keyId, or the same certificate under another keyId (Graph assigns one to a new credential). */
function isIn(credential, collection) {
    const thumbprint = thumbprintOfDer(credential.key);
    return collection.some(other => (credential.keyId !== undefined && other.keyId !== undefined && sameId(credential.keyId, other.keyId)) ||
        keyCredentialThumbprints(other).includes(thumbprint));
}
function listed(keyId, keyIds) {
    return keyIds.some(id => sameId(id, keyId));
}
function sameId(a, b) {
    return a.toLowerCase() === b.toLowerCase();
}

;// CONCATENATED MODULE: ./src/entra/federated-credentials.ts
/**
 * Federated identity credentials on the Exchange app (`credential: federated`): they let a
 * GitHub Actions job exchange its OIDC token for an app-only Exchange Online token, so no
 * certificate or secret is stored anywhere. Pure: names, matching and the plan of which to
 * add, update or remove; apply writes them.
 *
 * Unlike a certificate, a federated credential never expires: one left on the app trusts its
 * subject for good. So this action removes its own credentials that are no longer wanted
 * (a subject dropped from the list, or `credential: certificate`), and reports the ones it
 * did not make, which it never touches.
 *
 * Pipelines of different repositories or environments that keep the default app-name share
 * one app (issue 21). So, like a certificate, each credential records the secret sets
 * (github/secret-set.ts) of the pipelines that want it, in its description, and a run removes
 * only a credential no other set wants: never the one another pipeline's jobs sign in through.
 *
 * Entra's rules (entra-docs, workload-id/includes/federated-credential-configuration-considerations.md;
 * Graph application-post-federatedidentitycredentials.md): at most 20 per application; the
 * name is 3–120 characters of letters, digits, `-` and `_`, starting with a letter or digit,
 * unique on the app and immutable; issuer + subject are unique on the app; one audience
 * (`federated-audience`, by default `api://AzureADTokenExchange`). The action writes exact
 * subjects; Entra's flexible federated identity credentials (claim-matching expressions, in
 * preview) are not what it makes.
 */




/** Entra's limit of federated identity credentials per application. */
const MAX_FEDERATED_CREDENTIALS = 20;
/** Names of the credentials this action made start with this; it never touches any other. */
const ACTION_FEDERATED_CREDENTIAL_PREFIX = 'exo-cba-';
/** Graph's limit on a federated identity credential's description (federatedidentitycredential.md). */
const FEDERATED_DESCRIPTION_MAX_LENGTH = 600;
/**
 * The credential's name for a subject: `exo-cba-<slug>-<hash>`, e.g.
 * `exo-cba-repo-contoso-exo-jobs-ref-refs-heads-main-1a2b3c4d`. The slug keeps it readable in
 * the portal; the hash (of the exact subject) keeps subjects that slug alike apart.
 */
function federatedCredentialName(subject) {
    const hash = (0,external_node_crypto_.createHash)('sha256').update(subject, 'utf8').digest('hex').slice(0, 8);
    const room = 120 - ACTION_FEDERATED_CREDENTIAL_PREFIX.length - hash.length - 1;
    const slug = subject
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, room)
        .replace(/-+$/, '');
    return `${ACTION_FEDERATED_CREDENTIAL_PREFIX}${slug === '' ? '' : `${slug}-`}${hash}`;
}
/** The credential this action wants for one subject, recording the secret set(s) that want it. */
function wantedCredential(subject, federation, sets) {
    return {
        name: federatedCredentialName(subject),
        issuer: federation.issuer,
        subject,
        audiences: [federation.audience],
        description: federatedCredentialDescription(sets)
    };
}
/**
 * The description this action writes: a sentence for people, and the secret sets of the
 * pipelines that want the credential, e.g. `… (credential: federated; secret set 1a2b3c4d).`
 * The name cannot carry the set: Graph makes it immutable, and credentials made by earlier
 * versions keep theirs. The description is free text of up to 600 characters
 * (https://learn.microsoft.com/graph/api/resources/federatedidentitycredential).
 */
function federatedCredentialDescription(sets) {
    const ids = [...new Set(sets)].sort();
    for (const id of ids) {
        if (!SECRET_SET_ID_PATTERN.test(id))
            throw new Error(`Expected a secret set id (8 lower-case hex digits), got ${JSON.stringify(id)}.`);
    }
    const description = `exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated; secret ${ids.length === 1 ? 'set' : 'sets'} ${ids.join(' ')}).`;
    if (description.length > FEDERATED_DESCRIPTION_MAX_LENGTH) {
        throw new errors/* UserError */.y(`${ids.length} pipelines (secret sets) share the app's federated credential for one subject; its description, which records them, would exceed Graph's ${FEDERATED_DESCRIPTION_MAX_LENGTH} characters. Give these pipelines their own app ('app-name').`, { input: 'app-name' });
    }
    return description;
}
const RECORDED_SETS = /\bsecret sets? ([0-9a-f]{8}(?: [0-9a-f]{8})*)\b/;
/** The secret sets a credential's description records (none for one made by an earlier version). */
function federatedCredentialSets(credential) {
    const match = RECORDED_SETS.exec(credential.description ?? '');
    return match === null ? [] : match[1].split(' ');
}
function isActionMadeFederatedCredential(credential) {
    return credential.name.toLowerCase().startsWith(ACTION_FEDERATED_CREDENTIAL_PREFIX);
}
function federatedCredentialMaker(credential, secretSet) {
    if (!isActionMadeFederatedCredential(credential))
        return { kind: 'not-action' };
    const sets = federatedCredentialSets(credential);
    if (sets.length === 0)
        return { kind: 'earlier-version' };
    return sets.includes(secretSet) ? { kind: 'this-set', sets } : { kind: 'other-set', sets };
}
/**
 * Whether this run counts a credential made by an earlier version (no set recorded) as its
 * own, so it may remove it once no longer wanted. Earlier versions never removed federated
 * credentials and recorded nothing of who wanted one, so the evidence is the subject: it names
 * this repository, whose jobs alone can present it, and a context only this set's jobs run in.
 * Only sets under the default prefix claim any (`earlierVersionsOf`, secret-set.ts):
 * - repository secrets (or none): the repository's subjects other than `environment:` ones
 *   (`ref:`, `pull_request`, customized claims). A job in an environment presents
 *   `environment:<name>`, and environment secrets are read only by jobs in it, so an
 *   environment subject is a sibling pipeline's as likely as this one's: never claimed.
 * - environment secrets: only `environment:<its environment>`.
 * Even so a claim can hit a sibling that has not run this version yet and whose jobs present
 * the same subject: a pipeline of the same repository under another prefix or with organization
 * secrets, the other of repository secrets and `secret-target: none`, one with repository
 * secrets whose jobs run in the claimed environment, or a workflow that signs in through the
 * credential without provisioning. Each pipeline's first
 * run of this version records its set on every credential it lists, after which no claim
 * applies; a missed claim only leaves a trust the warning names with the command to remove it.
 */
function claimsEarlierVersion(credential, pipeline) {
    if (!(pipeline.earlierVersionsOf !== undefined && (0,subject_scope/* subjectNamesRepository */.Dx)(credential.subject, pipeline.earlierVersionsOf)))
        return false;
    const { context } = (0,subject_scope/* scopeOfSubject */.g4)(credential.subject);
    const environment = pipeline.earlierVersionsOf.environment;
    if (environment === undefined)
        return context.kind !== 'environment';
    // GitHub compares environment names without case (managing-environments-for-deployment).
    return context.kind === 'environment' && context.name.toLowerCase() === environment.toLowerCase();
}
function departureFromFresh(fresh, secretSet, planned) {
    if (fresh === undefined)
        return { action: 'gone' };
    const sets = federatedCredentialSets(fresh);
    const others = sets.filter(set => set !== secretSet);
    if (others.length > 0) {
        return sets.includes(secretSet) ? { action: 'take-off', others, description: federatedCredentialDescription(others) } : { action: 'take-off', others };
    }
    return planned === 'remove' ? { action: 'delete' } : { action: 'keep' };
}
/**
 * Which credentials to add, set again or remove so exactly the desired subjects sign in
 * through this action's credentials, without touching what other pipelines sharing the app
 * want. `desired` is undefined with `credential: certificate`: then this run wants none.
 * - A wanted subject: a credential already there counts (never a duplicate); when it is this
 *   action's but does not record this run's set, the set is added (`record-set`).
 * - Not wanted: removed only when this run's set is the only one it records, or when an
 *   earlier version made it and this run counts it as its own (claimsEarlierVersion); shared
 *   with other sets, only this run's set comes off (`leave`). Other pipelines' credentials, an
 *   earlier version's this run cannot claim, and someone else's are kept and reported.
 * `existing` is undefined when the app does not exist yet.
 */
function planFederatedCredentials(desired, existing, pipeline) {
    const current = existing ?? [];
    const mine = pipeline.secretSet;
    const wanted = desired === undefined ? [] : [...new Set(desired.subjects)].map(subject => wantedCredential(subject, desired, [mine]));
    const plan = { wanted, present: [], add: [], update: [], remove: [], earlierVersion: [], otherPipelines: [], unrecorded: [], foreign: [] };
    const kept = new Set();
    for (const credential of wanted) {
        const same = current.find(c => (0,subject_scope/* sameIssuer */.KI)(c.issuer, credential.issuer) && c.subject === credential.subject);
        if (same === undefined) {
            plan.add.push(credential);
            continue;
        }
        kept.add(same);
        const maker = federatedCredentialMaker(same, mine);
        const audienceRight = desired === undefined || same.audiences.includes(desired.audience);
        const othersUseIt = maker.kind === 'not-action' || maker.kind === 'other-set' || (maker.kind === 'this-set' && maker.sets.length > 1);
        if (!audienceRight && othersUseIt) {
            // Entra allows one credential per issuer and subject, and re-pointing it would cut off
            // whoever else signs in through it (someone else, or another pipeline sharing the app).
            const because = maker.kind === 'not-action' ? 'this action did not make it' : `other pipelines sharing this app use it (secret sets ${maker.sets.filter(set => set !== mine).join(', ')})`;
            throw new errors/* UserError */.y(`The app already has a federated credential "${same.name}" for subject '${same.subject}' (issuer ${same.issuer}), with audience ${same.audiences.join(', ')} instead of '${desired?.audience ?? ''}'. Entra allows one credential per issuer and subject, and this action does not change its audience because ${because}: add '${desired?.audience ?? ''}' to that credential's audiences, or set 'federated-audience' to ${same.audiences[0] ?? 'its audience'}.`, { input: 'federated-audience' });
        }
        if (maker.kind === 'not-action' || same.id === undefined || (maker.kind === 'this-set' && audienceRight)) {
            plan.present.push(same);
        }
        else if (maker.kind === 'this-set') {
            plan.update.push({ id: same.id, credential: { ...credential, name: same.name, description: federatedCredentialDescription(maker.sets) }, why: 'audience' });
        }
        else {
            // An earlier version's (no set yet) or another pipeline's that this one wants too: this
            // run's set is recorded, so no run of another set removes it while this one lists it.
            const sets = maker.kind === 'other-set' ? [...maker.sets, mine] : [mine];
            plan.update.push({ id: same.id, credential: { ...credential, name: same.name, description: federatedCredentialDescription(sets) }, why: 'record-set' });
        }
    }
    for (const credential of current) {
        if (kept.has(credential))
            continue;
        const maker = federatedCredentialMaker(credential, mine);
        switch (maker.kind) {
            case 'not-action':
                plan.foreign.push(credential);
                break;
            case 'other-set':
                plan.otherPipelines.push(credential);
                break;
            case 'earlier-version':
                if (claimsEarlierVersion(credential, pipeline)) {
                    plan.remove.push(credential);
                    plan.earlierVersion.push(credential.name);
                }
                else {
                    plan.unrecorded.push(credential);
                }
                break;
            case 'this-set': {
                const others = maker.sets.filter(set => set !== mine);
                if (others.length === 0)
                    plan.remove.push(credential);
                else if (credential.id === undefined)
                    plan.otherPipelines.push(credential);
                else
                    plan.update.push({ id: credential.id, credential: { ...credential, description: federatedCredentialDescription(others) }, why: 'leave' });
                break;
            }
        }
    }
    // Removals run after the additions (once the new state is in place), so the app holds
    // both at once for a moment: Entra's limit applies to that moment.
    const total = current.length + plan.add.length;
    if (total > MAX_FEDERATED_CREDENTIALS) {
        throw new errors/* UserError */.y(`The app would need ${total} federated identity credentials (${current.length} already on it, ${plan.add.length} to add${plan.remove.length > 0 ? `, ${plan.remove.length} of this action's to remove afterwards` : ''}), but Entra allows at most ${MAX_FEDERATED_CREDENTIALS} per application. List fewer subjects in 'federated-subjects' (one per environment or branch that runs Exchange jobs), or remove credentials the app no longer needs (Entra admin center → App registrations → the app → Certificates & secrets → Federated credentials).`, { input: 'federated-subjects' });
    }
    return plan;
}

;// CONCATENATED MODULE: ./src/entra/describe-plan.ts
/**
 * A plan in words: lines for the dry-run log (Terraform-style `+` create, `~` update,
 * `-` remove) and one row per resource for the job summary, with its state before and
 * what the plan makes of it.
 */


/** The summary row of Exchange Online Protection's permission (for Security & Compliance PowerShell). */
const SECURITY_AND_COMPLIANCE_ROW = `Security & Compliance: ${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} permission + consent`;
function describePlan(plan) {
    return { lines: describePlanLines(plan), rows: describePlanRows(plan) };
}
/**
 * The dry-run log: one line per change, a `!` line for a permission the tenant cannot
 * take (Security & Compliance), then what happens to the certificate.
 */
function describePlanLines(plan) {
    const permissions = plan.securityAndCompliance?.available === true
        ? `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} (of ${well_known/* EXCHANGE_ONLINE_NAME */.Ad} and of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9})`
        : well_known/* EXCHANGE_MANAGE_AS_APP */.Pu;
    const lines = plan.changes.length === 0
        ? [`No changes: the app, its service principal, ${permissions} and the roles are in place.`]
        : [`Plan: ${count(plan.changes.length, 'change')}.`, ...plan.changes.flatMap(change => describeChange(change, plan))];
    if (plan.securityAndCompliance?.available === false)
        lines.push(`! Security & Compliance: ${plan.securityAndCompliance.note}`);
    const leftAlone = federatedCredentialsLeftAlone(plan);
    for (const warning of leftAlone.warnings)
        lines.push(`! ${warning}`);
    for (const note of leftAlone.notes)
        lines.push(note);
    lines.push(plan.certificate.decision === 'none' ? `Credential: ${federationSentence(plan)}` : `Certificate: ${certificateSentence(plan)}`);
    if (plan.certificatesOnApp.length > 0) {
        lines.push(`Certificates on the app (this pipeline's secret set is ${plan.secretSet.id}: ${plan.secretSet.description}):`);
        for (const row of describeCertificatesOnApp(plan))
            lines.push(`  ${row.thumbprint}: ${row.whose}, expires ${row.expires}; ${row.thisRun}`);
    }
    return lines;
}
/** One change in words (several lines for a prune of several certificates). */
function describeChange(change, plan) {
    const app = `"${plan.app.displayName}"`;
    switch (change.kind) {
        case 'create-app': {
            const requesting = plan.securityAndCompliance?.available === true
                ? `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} of ${well_known/* EXCHANGE_ONLINE_NAME */.Ad} and of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9}`
                : well_known/* EXCHANGE_MANAGE_AS_APP */.Pu;
            return [`+ create app ${app} (uniqueName ${change.uniqueName}, single tenant, requesting ${requesting})`];
        }
        case 'set-required-resource-access':
            return [`~ request ${requestedNow(plan)} on app ${app} (its other API permissions are kept)`];
        case 'create-service-principal':
            return [`+ create the service principal of app ${app}`];
        case 'grant-exchange-manage-as-app':
            return [`+ grant ${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} of ${well_known/* EXCHANGE_ONLINE_NAME */.Ad} (admin consent)`];
        case 'grant-security-and-compliance':
            return [`+ grant ${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9} (admin consent, for Security & Compliance PowerShell)`];
        case 'assign-directory-role':
            return [`+ assign directory role ${change.role.displayName} (${change.role.templateId}) over the whole directory`];
        case 'add-certificate':
            return [`+ add a new certificate to app ${app}, beside the existing ones`];
        case 'add-federated-credential':
            return [`+ trust GitHub OIDC subject '${change.credential.subject}' on app ${app} (federated credential ${change.credential.name})`];
        case 'update-federated-credential': {
            const credential = `federated credential ${change.credential.name} (subject '${change.credential.subject}') of app ${app}`;
            switch (change.why) {
                case 'audience':
                    return [`~ set ${credential} to audience ${change.credential.audiences.join(', ')}`];
                case 'record-set':
                    return [`~ record this pipeline's secret set ${plan.secretSet.id} on ${credential}, so another pipeline sharing the app does not remove it`];
                case 'leave':
                    return [`~ take this pipeline's secret set ${plan.secretSet.id} off ${credential}: no longer wanted here; kept for the other pipelines that want it`];
            }
            break;
        }
        case 'remove-federated-credential':
            return [
                `- remove federated credential ${change.credential.name} (subject '${change.credential.subject}') from app ${app}: ` +
                    `${change.reason === 'certificate' ? 'the workflow uses credential: certificate' : "its subject is no longer in 'federated-subjects'"}` +
                    `${change.earlierVersion === true ? ' (made by an earlier version for this repository)' : ''}; after the new state is verified and stored`
            ];
        case 'remove-expired-certificates':
            return change.certificates.map(certificate => `- remove expired certificate "${certificate.displayName}" (keyId ${certificate.keyId}, ` +
                `expired ${day(certificate.endDateTime)}), after the new state is verified and stored`);
        case 'revoke-previous-certificates':
            return change.certificates.map(certificate => `- revoke previous certificate "${certificate.displayName}" (keyId ${certificate.keyId}, valid until ${day(certificate.endDateTime)}), ` +
                (change.supersededBy === 'this-run'
                    ? 'once the new certificate has signed in and is stored (revoke-previous: 0)'
                    : `superseded by ${change.current ?? 'the held certificate'} for more than ${change.graceHours} h (revoke-previous)`));
    }
}
function describePlanRows(plan, federatedRemoval) {
    const rows = [];
    const app = plan.app;
    rows.push({
        resource: 'App registration',
        before: app.existed ? `present${app.foundBy === 'display-name' ? ' (found by display name)' : ''}` : 'absent',
        after: app.existed ? 'present' : 'created',
        detail: [
            `"${app.displayName}"`,
            app.appId === undefined ? undefined : `appId ${app.appId}`,
            app.uniqueName === undefined ? undefined : `uniqueName ${app.uniqueName}`
        ]
            .filter(part => part !== undefined)
            .join(', ')
    });
    const servicePrincipal = plan.servicePrincipal;
    rows.push({
        resource: 'Service principal',
        before: servicePrincipal.existed ? 'present' : 'absent',
        after: servicePrincipal.existed ? 'present' : 'created',
        detail: servicePrincipal.id === undefined ? 'the identity the permission and roles attach to' : `id ${servicePrincipal.id}`
    });
    const { requestedBefore, grantedBefore } = plan.exchangeManageAsApp;
    rows.push({
        resource: `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} permission + consent`,
        before: `${requestedBefore ? 'requested' : 'not requested'}, ${grantedBefore ? 'consented' : 'not consented'}`,
        after: requestedBefore && grantedBefore ? 'present' : !requestedBefore && !grantedBefore ? 'created' : 'updated',
        detail: `application permission of ${well_known/* EXCHANGE_ONLINE_NAME */.Ad}`
    });
    const securityAndCompliance = plan.securityAndCompliance;
    if (securityAndCompliance?.available === true) {
        const { requestedBefore: requested, grantedBefore: granted } = securityAndCompliance;
        rows.push({
            resource: SECURITY_AND_COMPLIANCE_ROW,
            before: `${requested ? 'requested' : 'not requested'}, ${granted ? 'consented' : 'not consented'}`,
            after: requested && granted ? 'present' : !requested && !granted ? 'created' : 'updated',
            detail: `application permission of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9}, for Connect-IPPSSession`
        });
    }
    else if (securityAndCompliance?.available === false) {
        rows.push({
            resource: SECURITY_AND_COMPLIANCE_ROW,
            before: 'not available in this tenant',
            after: 'skipped',
            detail: securityAndCompliance.note
        });
    }
    for (const role of plan.roles) {
        rows.push({
            resource: `Directory role: ${role.displayName}`,
            before: role.assignedBefore ? 'assigned over the whole directory' : 'not assigned over the whole directory',
            after: role.assignedBefore ? 'present' : 'created',
            detail: `template ${role.templateId}, scope /`
        });
    }
    const certificate = plan.certificate;
    if (certificate.decision !== 'none') {
        rows.push({
            resource: 'Certificate',
            before: certificateBefore(certificate),
            after: certificate.decision === 'add-new' ? 'created' : 'present',
            detail: certificateSentence(plan)
        });
    }
    rows.push(...federatedCredentialRows(plan, federatedRemoval));
    if (plan.prune !== undefined) {
        rows.push({
            resource: 'Expired certificates made by this action',
            before: `${count(plan.prune.certificates.length, 'expired certificate')} on the app`,
            after: 'removed',
            detail: plan.prune.certificates.map(expired => `keyId ${expired.keyId} (expired ${day(expired.endDateTime)})`).join(', ')
        });
    }
    if (plan.revokePrevious !== undefined) {
        const revoke = plan.revokePrevious;
        rows.push({
            resource: 'Previous certificates made by this action',
            before: `${count(revoke.certificates.length, 'previous certificate')} on the app, still valid`,
            after: 'removed',
            detail: `${revoke.certificates.map(previous => `keyId ${previous.keyId} (valid until ${day(previous.endDateTime)})`).join(', ')}; ${revoke.supersededBy === 'this-run' ? 'superseded by the new certificate, removed once it signed in and was stored' : `superseded more than ${revoke.graceHours} h ago`}`
        });
    }
    return rows;
}
/**
 * One row per federated credential on the app or added now, each marked as this pipeline's,
 * another pipeline's (its secret sets), an earlier version's, or made by someone else, with
 * what happens to it: every one lets its subject sign in as the app, and none expires.
 */
function federatedCredentialRows(plan, removal) {
    const federation = plan.federatedCredentials;
    if (federation === undefined)
        return [];
    const rows = [];
    const describe = (credential, why) => `${whoseFederatedCredential(credential, plan.secretSet.id)}: ${credential.name}; issuer ${credential.issuer}, audience ${credential.audiences.join(', ')}; ${why}`;
    const resource = (credential) => `Federated credential: ${credential.subject}`;
    // In the order of federated-subjects.
    for (const wanted of federation.wanted) {
        const present = federation.present.find(existing => existing.subject === wanted.subject);
        const updated = federation.update.find(update => update.credential.subject === wanted.subject);
        if (present !== undefined)
            rows.push({ resource: resource(wanted), before: 'present', after: 'present', detail: describe(present, 'kept: its subject is listed') });
        else if (updated !== undefined) {
            const why = updated.why === 'audience' ? 'kept, audience set again' : "kept: its subject is listed; this pipeline's secret set recorded on it";
            rows.push({ resource: resource(wanted), before: 'present', after: 'updated', detail: describe(updated.credential, why) });
        }
        else
            rows.push({ resource: resource(wanted), before: 'absent', after: 'created', detail: describe(wanted, 'added: its subject is listed') });
    }
    for (const { credential } of federation.update.filter(update => update.why === 'leave')) {
        rows.push({ resource: resource(credential), before: 'present', after: 'updated', detail: describe(credential, "kept for the other pipelines that want it; this pipeline's secret set taken off (no longer wanted here)") });
    }
    for (const change of plan.removeFederatedCredentials ?? []) {
        const why = change.reason === 'certificate' ? 'the workflow uses credential: certificate' : "its subject is no longer in 'federated-subjects'";
        const key = change.credential.id ?? change.credential.name;
        if (removal?.postponed === true) {
            rows.push({ resource: resource(change.credential), before: 'present', after: 'present', detail: describe(change.credential, `kept until this pipeline's certificate signs in, then removed (${why}; see the warning)`) });
        }
        else if (removal !== undefined && !removal.removed.has(key)) {
            rows.push({ resource: resource(change.credential), before: 'present', after: 'present', detail: describe(change.credential, 'kept: another pipeline recorded its secret set on it while this run went on') });
        }
        else
            rows.push({ resource: resource(change.credential), before: 'present', after: 'removed', detail: describe(change.credential, `removed: ${why}`) });
    }
    for (const credential of federation.otherPipelines) {
        rows.push({ resource: resource(credential), before: 'present', after: 'present', detail: describe(credential, "kept: only that pipeline's runs remove it") });
    }
    for (const credential of federation.unrecorded) {
        rows.push({ resource: resource(credential), before: 'present', after: 'present', detail: describe(credential, 'kept: it may be another pipeline\'s (see the warning)') });
    }
    for (const credential of federation.foreign) {
        rows.push({ resource: resource(credential), before: 'present', after: 'present', detail: describe(credential, 'kept: this action never removes a credential it did not make (see the warning)') });
    }
    return rows;
}
/**
 * Whose a federated credential is, for the log and the summary: `this pipeline's (set …)`,
 * `another pipeline's (set …)`, `earlier version's (no secret set recorded)`, or `made by someone else`.
 */
function whoseFederatedCredential(credential, secretSet) {
    const maker = federatedCredentialMaker(credential, secretSet);
    switch (maker.kind) {
        case 'this-set': {
            const others = maker.sets.filter(set => set !== secretSet);
            return `this pipeline's (set ${secretSet}${others.length === 0 ? '' : `; shared with set ${others.join(', ')}`})`;
        }
        case 'other-set':
            return `another pipeline's (set ${maker.sets.join(', ')})`;
        case 'earlier-version':
            return "earlier version's (no secret set recorded)";
        case 'not-action':
            return 'made by someone else';
    }
}
/**
 * Federated credentials this run keeps though it does not want them: warnings for those made by
 * someone else and for an earlier version's this run cannot tell are its own (each still lets
 * its subject sign in, and never expires), with how to remove them; notes for other pipelines'.
 */
function federatedCredentialsLeftAlone(plan) {
    const federation = plan.federatedCredentials;
    const appId = plan.app.appId ?? '<app-id>';
    return {
        warnings: [
            ...(federation?.unrecorded ?? []).map(credential => `The app has a federated credential "${credential.name}" (subject '${credential.subject}', issuer ${credential.issuer}) made by an earlier version of this action, which did not record which pipeline wants it; it may be another pipeline's sharing this app, so it is left as it is. ` +
                `Jobs with that subject can sign in to Exchange Online as this app, and it never expires: once that pipeline has run this version (which records its set on the credentials it lists), or if no pipeline lists the subject any more, remove it: az ad app federated-credential delete --id ${appId} --federated-credential-id ${credential.id ?? credential.name}`),
            ...(federation?.foreign ?? []).map(foreignCredentialNote)
        ],
        notes: (federation?.otherPipelines ?? []).map(credential => `Federated credential ${credential.name} (subject '${credential.subject}') is ${whoseFederatedCredential(credential, plan.secretSet.id)}, another pipeline sharing this app: left as it is; only that pipeline's runs remove it.`)
    };
}
/** The warning for a federated credential this action did not make and does not want: it is kept, and it still grants sign-in. */
function foreignCredentialNote(credential) {
    return (`The app has a federated credential "${credential.name}" (subject '${credential.subject}', issuer ${credential.issuer}) that this action did not make: ` +
        'jobs with that subject can sign in to Exchange Online as this app, and it never expires. It is left as it is; if nothing needs it, remove it ' +
        '(Entra admin center → App registrations → the app → Certificates & secrets → Federated credentials).');
}
/** Which Exchange.ManageAsApp permissions a requiredResourceAccess update adds. */
function requestedNow(plan) {
    const exchange = !plan.exchangeManageAsApp.requestedBefore;
    const protection = plan.securityAndCompliance?.available === true && !plan.securityAndCompliance.requestedBefore;
    if (exchange && protection)
        return `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} of ${well_known/* EXCHANGE_ONLINE_NAME */.Ad} and of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9}`;
    if (protection)
        return `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9}`;
    return well_known/* EXCHANGE_MANAGE_AS_APP */.Pu;
}
/** `credential: federated` in words: which subjects sign in, and that nothing is stored. */
function federationSentence(plan) {
    const subjects = plan.federatedCredentials?.wanted.map(credential => `'${credential.subject}'`) ?? [];
    return `federated: jobs with the GitHub OIDC subject ${subjects.join(' or ')} sign in with their own token; no certificate is made or stored.`;
}
function certificateBefore(certificate) {
    if (certificate.reason === 'federated')
        return 'none (federated)';
    if (certificate.reason === 'none-held')
        return 'none held';
    const held = certificate.held;
    return `held ${held.thumbprint}, ${held.daysLeft < 0 ? 'expired' : 'expires'} ${day(held.notAfter)}${held.onApp ? '' : ', not on the app'}`;
}
function certificateSentence(plan) {
    const certificate = plan.certificate;
    switch (certificate.reason) {
        case 'federated':
            return 'none: jobs sign in with federated credentials (credential: federated).';
        case 'none-held':
            return 'this run holds no certificate (pfx-base64 is empty), so a new one is made.';
        case 'held-not-on-app':
            return `the held certificate ${certificate.held.thumbprint} is not on the app, so a new one is made.`;
        case 'held-expiring':
            return (`the held certificate ${certificate.held.thumbprint} ${expiry(certificate.held)}, within ` +
                `rotate-before-days (${certificate.rotateBeforeDays}), so a new one is made; the old one ${previousCertificateFate(plan)}.`);
        case 'held-valid':
            return `keeping the held certificate ${certificate.held.thumbprint}, which ${expiry(certificate.held)}.`;
    }
}
/**
 * Every certificate on the app, whose it is and what this run does with it, then the one
 * this run adds (`added`, once it exists).
 */
function describeCertificatesOnApp(plan, added) {
    const rows = plan.certificatesOnApp.map(certificate => ({
        thumbprint: certificate.thumbprint ?? `keyId ${certificate.keyId}`,
        whose: whoseCertificate(certificate),
        expires: day(certificate.endDateTime),
        thisRun: certificateOutcome(certificate, plan)
    }));
    if (added !== undefined) {
        rows.push({
            thumbprint: added.thumbprint.toUpperCase(),
            whose: `this pipeline's (set ${plan.secretSet.id})`,
            expires: day(added.notAfter.toISOString()),
            thisRun: 'added in this run'
        });
    }
    return rows;
}
function whoseCertificate(certificate) {
    switch (certificate.maker) {
        case 'this-set':
            return `this pipeline's (set ${certificate.secretSet ?? ''})`;
        case 'other-set':
            return `another pipeline's (set ${certificate.secretSet ?? ''})`;
        case 'unrecorded':
            return 'unknown pipeline (made before certificates recorded their secret set)';
        case 'not-action':
            return 'not made by this action';
    }
}
function certificateOutcome(certificate, plan) {
    switch (certificate.outcome) {
        case 'remove-expired':
            return 'removed (expired)';
        case 'revoke':
            return plan.revokePrevious?.supersededBy === 'this-run'
                ? 'revoked once the new certificate has signed in and is stored (revoke-previous: 0)'
                : `revoked: superseded for more than ${plan.revokePrevious?.graceHours ?? 0} h (revoke-previous)`;
        case 'left-alone':
            return "left alone: revoke-previous removes only this pipeline's certificates";
        case 'skipped':
            return `left: ${certificate.skipped?.was === 'remove-expired' ? 'expired, but' : 'superseded, but'} the provisioning identity may not remove it (${certificate.skipped?.permission ?? 'Application.ReadWrite.All'}; see the warning)`;
        case 'keep':
            return certificate.held ? 'held by this run' : 'kept';
    }
}
/**
 * What becomes of the certificate a rotation replaces (the held one), after "the old one" or
 * "the previous certificate". `revoked`: whether this run revoked it, once known (after the run).
 */
function previousCertificateFate(plan, revoked) {
    if (plan.certificate.reason === 'held-not-on-app')
        return 'is not on the app (nothing to revoke)';
    const held = plan.certificatesOnApp.find(certificate => certificate.held);
    const hours = plan.revokePreviousAfterHours;
    if (held !== undefined && held.maker !== 'this-set') {
        const why = held.maker === 'other-set'
            ? `it belongs to another secret set (${held.secretSet ?? ''}), which revokes its own`
            : held.maker === 'unrecorded'
                ? "its name records no secret set, so revoke-previous leaves it (it may be another pipeline's)"
                : 'this action did not make it';
        return `stays on the app until it expires: ${why}`;
    }
    if (held?.outcome === 'skipped') {
        return `stays on the app: the provisioning identity may not remove it (${held.skipped?.permission ?? 'Application.ReadWrite.All'}), so this run leaves it (see the warning)`;
    }
    if (hours === undefined)
        return 'stays on the app until it expires (revoke-previous: never)';
    if (hours === 0) {
        if (revoked === true)
            return 'was revoked in this run, once the new one had signed in and was stored (revoke-previous: 0)';
        if (revoked === false)
            return 'stays on the app for now: it was not revoked in this run (the new one did not sign in, or the removal failed; see the log); a later run revokes it (revoke-previous: 0)';
        return 'is revoked in this run once the new one has signed in and is stored (revoke-previous: 0)';
    }
    return `stays on the app so jobs that already loaded it keep working; the first run ${hours} h or more after this one revokes it (revoke-previous: ${hours})`;
}
/**
 * Certificates as old as what revoke-previous removes that it left on the app because they
 * are not this pipeline's: warnings for those whose maker is unknown (made before
 * certificates recorded their secret set), with how to remove them by hand; notes for
 * another pipeline's.
 */
function certificatesLeftAlone(plan) {
    const warnings = [];
    const notes = [];
    for (const certificate of plan.certificatesOnApp.filter(c => c.outcome === 'left-alone')) {
        const which = `${certificate.thumbprint ?? ''} (keyId ${certificate.keyId}, valid until ${day(certificate.endDateTime)})`;
        if (certificate.maker === 'unrecorded') {
            warnings.push(`revoke-previous left certificate ${which} on the app: it was made before certificates recorded their secret set, so it may be the one another pipeline sharing this app uses. ` +
                `If no pipeline's secrets hold it any more (compare their CERT_THUMBPRINT secrets), remove it: az ad app credential delete --id ${plan.app.appId ?? '<app-id>'} --key-id ${certificate.keyId}`);
        }
        else {
            notes.push(`revoke-previous left certificate ${which} on the app: it is ${whoseCertificate(certificate)}, and only that pipeline's runs revoke it.`);
        }
    }
    return { warnings, notes };
}
function expiry(held) {
    if (held.daysLeft < 0)
        return `expired on ${day(held.notAfter)} (${count(-held.daysLeft, 'day')} ago)`;
    return `expires on ${day(held.notAfter)} (${count(held.daysLeft, 'day')} left)`;
}
function day(iso) {
    const time = Date.parse(iso);
    return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(0, 10);
}
function count(n, noun) {
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

// EXTERNAL MODULE: ./src/certificate/expiry.ts
var certificate_expiry = __webpack_require__(1876);
;// CONCATENATED MODULE: ./src/entra/plan.ts
/**
 * Provision mode's planner: desired state vs. the tenant's actual state → the ordered
 * changes that close the gap, Terraform-style. Pure and deterministic: no I/O, the clock
 * is an argument, and the plan is plain JSON-safe data, so the same object prints the
 * dry run, drives apply and fills the job summary.
 */








/** The whole directory: the only scope at which a role counts for Exchange Online app-only. */
const WHOLE_DIRECTORY_SCOPE = '/';
/** Apps are created single-tenant: personal-account audiences get much lower write limits. */
const SIGN_IN_AUDIENCE = 'AzureADMyOrg';
const UNIQUE_NAME_PREFIX = 'exo-cba-';
const UNIQUE_NAME_SLUG_MAX = 47;
/**
 * The uniqueName (Graph's client-chosen alternate key of an application) for an app name:
 * `exo-cba-<slug>-<hash>`, e.g. `exo-cba-exo-background-process-1b2c3d4e`.
 *
 * Graph documents uniqueName only as immutable and settable at creation, not its
 * alphabet, so we stay inside what is safe everywhere: lower-case ASCII letters, digits
 * and `-` (nothing to escape in `(uniqueName='…')`), at most 64 characters. The slug keeps
 * it readable; the hash (of the trimmed, lower-cased name, so case changes keep the same
 * app) keeps names that slug alike ("EXO: Prod" and "EXO Prod") apart.
 */
function uniqueNameFor(appName) {
    const normalized = appName.trim().toLowerCase();
    if (normalized === '')
        throw new errors/* UserError */.y('app-name is empty: give the display name of the app to ensure.', { input: 'app-name' });
    const slug = normalized
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .slice(0, UNIQUE_NAME_SLUG_MAX)
        .replace(/^-+|-+$/g, '');
    const hash = (0,external_node_crypto_.createHash)('sha256').update(normalized, 'utf8').digest('hex').slice(0, 8);
    return `${UNIQUE_NAME_PREFIX}${slug === '' ? '' : `${slug}-`}${hash}`;
}
/**
 * The desired state for provision mode, from the validated settings; with
 * `credential: federated`, `federation` is what the app must trust (subjects resolved at run time).
 */
function desiredStateFromSettings(settings, federation, runner = {}) {
    const earlier = earlierFederatedCredentialsOf(settings.secrets, runner);
    return {
        ...(federation === undefined ? {} : { federation }),
        ...(earlier === undefined ? {} : { earlierFederatedCredentialsOf: earlier }),
        app: settings.app.id === undefined ? { name: settings.app.name } : { id: settings.app.id, name: settings.app.name },
        roles: settings.roles,
        securityAndCompliance: settings.connectIppsSession,
        certificate: {
            rotateBeforeDays: settings.rotateBeforeDays,
            ...(settings.held === undefined ? {} : { held: settings.held }),
            ...(settings.revokePreviousAfterHours === undefined ? {} : { revokePreviousAfterHours: settings.revokePreviousAfterHours }),
            secretSet: secretSetOf(settings.secrets)
        }
    };
}
/** The tenant's Exchange Online service principal, or an error the user can act on. */
function requireExchangeOnline(actual) {
    const exchange = actual.exchangeOnline;
    if (exchange === undefined) {
        throw new errors/* UserError */.y(`This tenant has no service principal for Office 365 Exchange Online (appId ${well_known/* EXCHANGE_ONLINE_APP_ID */.Oz}), ` +
            `so ${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} cannot be granted. The tenant has no Exchange Online: assign an ` +
            'Exchange Online license (any Microsoft 365 plan that includes it) and run again, or check that ' +
            'tenant-id names the right tenant.', { input: 'tenant-id' });
    }
    if (!exchange.appRoles.some(role => plan_sameId(role.id, well_known/* EXCHANGE_MANAGE_AS_APP_ROLE_ID */.WQ))) {
        throw new errors/* UserError */.y(`The Office 365 Exchange Online service principal (${exchange.id}) in this tenant does not offer the ` +
            `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} application permission (${well_known/* EXCHANGE_MANAGE_AS_APP_ROLE_ID */.WQ}). ` +
            'Check that tenant-id and cloud match the tenant where Exchange Online is licensed.', { input: 'tenant-id' });
    }
    return exchange;
}
/** Desired vs. actual → the plan. Throws a UserError when the tenant cannot be brought there. */
function planProvisioning(desired, actual, now) {
    const exchange = requireExchangeOnline(actual);
    const app = actual.app;
    if (app === undefined && desired.app.id !== undefined) {
        throw new errors/* UserError */.y(`No application with app-id ${desired.app.id} was found in this tenant. Check app-id (the ` +
            "application's client id), or leave it empty to find or create the app by app-name.", { input: 'app-id' });
    }
    const uniqueName = app === undefined ? uniqueNameFor(desired.app.name) : (app.uniqueName ?? undefined);
    const appPhase = [];
    const existingAccess = app?.requiredResourceAccess ?? [];
    const securityAndCompliance = desired.securityAndCompliance ? securityAndComplianceResource(actual.exchangeProtection) : undefined;
    const exchangeAccess = withExchangeManageAsApp(existingAccess);
    // One PATCH carries both requests: the whole collection, every other entry kept.
    const wantedAccess = securityAndCompliance?.available === true
        ? withRequestedAppRole(exchangeAccess, well_known/* EXCHANGE_ONLINE_PROTECTION_APP_ID */.mm, securityAndCompliance.appRoleId)
        : exchangeAccess;
    const requestedBefore = app !== undefined && exchangeAccess === existingAccess;
    const securityAndComplianceRequestedBefore = app !== undefined &&
        securityAndCompliance?.available === true &&
        withRequestedAppRole(existingAccess, well_known/* EXCHANGE_ONLINE_PROTECTION_APP_ID */.mm, securityAndCompliance.appRoleId) === existingAccess;
    if (app === undefined) {
        appPhase.push({
            kind: 'create-app',
            uniqueName: uniqueNameFor(desired.app.name),
            displayName: desired.app.name,
            signInAudience: SIGN_IN_AUDIENCE,
            requiredResourceAccess: wantedAccess
        });
    }
    else if (wantedAccess !== existingAccess) {
        appPhase.push({ kind: 'set-required-resource-access', appObjectId: app.objectId, requiredResourceAccess: wantedAccess });
    }
    const servicePrincipal = app === undefined ? undefined : actual.servicePrincipal;
    const principalId = servicePrincipal?.id;
    const servicePrincipalPhase = servicePrincipal === undefined ? [{ kind: 'create-service-principal', ...(app === undefined ? {} : { appId: app.appId }) }] : [];
    // A new service principal has no grants or roles, whatever the read returned.
    const appRoleAssignments = servicePrincipal === undefined ? [] : actual.appRoleAssignments;
    const roleAssignments = servicePrincipal === undefined ? [] : actual.directoryRoleAssignments;
    const withPrincipal = principalId === undefined ? {} : { principalId };
    const grantedBefore = appRoleAssignments.some(assignment => plan_sameId(assignment.resourceId, exchange.id) && plan_sameId(assignment.appRoleId, well_known/* EXCHANGE_MANAGE_AS_APP_ROLE_ID */.WQ));
    const accessPhase = [];
    if (!grantedBefore) {
        accessPhase.push({
            kind: 'grant-exchange-manage-as-app',
            resourceId: exchange.id,
            appRoleId: well_known/* EXCHANGE_MANAGE_AS_APP_ROLE_ID */.WQ,
            ...withPrincipal
        });
    }
    let securityAndCompliancePlan;
    if (securityAndCompliance?.available === true) {
        const { resourceId, appRoleId } = securityAndCompliance;
        const granted = appRoleAssignments.some(assignment => plan_sameId(assignment.resourceId, resourceId) && plan_sameId(assignment.appRoleId, appRoleId));
        if (!granted)
            accessPhase.push({ kind: 'grant-security-and-compliance', resourceId, appRoleId, ...withPrincipal });
        securityAndCompliancePlan = {
            available: true,
            resourceId,
            appRoleId,
            requestedBefore: securityAndComplianceRequestedBefore,
            grantedBefore: granted
        };
    }
    else {
        securityAndCompliancePlan = securityAndCompliance;
    }
    const roles = distinctRoles(desired.roles).map(role => ({
        displayName: role.displayName,
        templateId: role.templateId,
        // Only an assignment over the whole directory counts: Exchange ignores narrower scopes.
        assignedBefore: roleAssignments.some(assignment => plan_sameId(assignment.roleDefinitionId, role.templateId) && assignment.directoryScopeId === WHOLE_DIRECTORY_SCOPE)
    }));
    for (const role of roles) {
        if (role.assignedBefore)
            continue;
        accessPhase.push({
            kind: 'assign-directory-role',
            role: { displayName: role.displayName, templateId: role.templateId },
            directoryScopeId: WHOLE_DIRECTORY_SCOPE,
            ...withPrincipal
        });
    }
    const certificate = desired.federation === undefined
        ? planCertificate(desired.certificate, app, now)
        : { decision: 'none', reason: 'federated', rotateBeforeDays: desired.certificate.rotateBeforeDays };
    // Read in both modes: with credential: certificate, this action's federated credentials go.
    const federatedCredentials = desired.federation === undefined && (app?.federatedCredentials ?? []).length === 0
        ? undefined
        : planFederatedCredentials(desired.federation, app?.federatedCredentials, {
            secretSet: desired.certificate.secretSet.id,
            ...(desired.earlierFederatedCredentialsOf === undefined ? {} : { earlierVersionsOf: desired.earlierFederatedCredentialsOf })
        });
    const removeFederatedCredentials = app === undefined
        ? []
        : (federatedCredentials?.remove ?? []).map(credential => ({
            kind: 'remove-federated-credential',
            appObjectId: app.objectId,
            credential,
            reason: desired.federation === undefined ? 'certificate' : 'not-listed',
            ...(federatedCredentials?.earlierVersion.includes(credential.name) === true ? { earlierVersion: true } : {})
        }));
    // Each needs only the app; the federated credentials go where the certificate would.
    const certificatePhase = [
        ...(certificate.decision === 'add-new'
            ? [{ kind: 'add-certificate', reason: certificate.reason, ...(app === undefined ? {} : { appObjectId: app.objectId }) }]
            : []),
        ...(federatedCredentials?.add ?? []).map(credential => ({
            kind: 'add-federated-credential',
            ...(app === undefined ? {} : { appObjectId: app.objectId }),
            credential
        })),
        ...(federatedCredentials?.update ?? []).map(({ id, credential, why }) => ({
            kind: 'update-federated-credential',
            appObjectId: app?.objectId ?? '',
            id,
            credential,
            why
        }))
    ];
    const prune = app === undefined ? undefined : planPrune(app, desired.certificate.held?.thumbprint, now);
    const secretSet = desired.certificate.secretSet;
    const { revoke: revokePrevious, leftAlone } = app === undefined ? { revoke: undefined, leftAlone: [] } : planRevokePrevious(app, certificate, desired.certificate.revokePreviousAfterHours, secretSet.id, now);
    const certificatesOnApp = (app?.keyCredentials ?? []).map(credential => certificateOnApp(credential, {
        secretSet: secretSet.id,
        held: desired.certificate.held?.thumbprint,
        outcome: plan_listed(credential.keyId, prune?.keyIds)
            ? 'remove-expired'
            : plan_listed(credential.keyId, revokePrevious?.keyIds)
                ? 'revoke'
                : plan_listed(credential.keyId, leftAlone)
                    ? 'left-alone'
                    : 'keep'
    }));
    // The certificate needs only the app, so it goes into the first phase after the app's:
    // beside the service principal, or beside the grant and roles. Its replication wait then
    // overlaps theirs, and a fresh run has one sequential step less.
    const phases = (servicePrincipalPhase.length > 0
        ? [appPhase, [...servicePrincipalPhase, ...certificatePhase], accessPhase]
        : [appPhase, [...accessPhase, ...certificatePhase]]).filter(phase => phase.length > 0);
    return {
        changes: [
            ...phases.flat(),
            ...(prune === undefined ? [] : [prune]),
            ...(revokePrevious === undefined ? [] : [revokePrevious]),
            ...removeFederatedCredentials
        ],
        phases,
        ...(prune === undefined ? {} : { prune }),
        ...(revokePrevious === undefined ? {} : { revokePrevious }),
        ...(removeFederatedCredentials.length === 0 ? {} : { removeFederatedCredentials }),
        certificate,
        secretSet,
        certificatesOnApp,
        ...(desired.certificate.revokePreviousAfterHours === undefined ? {} : { revokePreviousAfterHours: desired.certificate.revokePreviousAfterHours }),
        ...(federatedCredentials === undefined ? {} : { federatedCredentials }),
        app: {
            displayName: app?.displayName ?? desired.app.name,
            ...(uniqueName === undefined ? {} : { uniqueName }),
            ...(app === undefined ? {} : { objectId: app.objectId, appId: app.appId }),
            existed: app !== undefined,
            ...(app?.foundBy === undefined ? {} : { foundBy: app.foundBy })
        },
        servicePrincipal: principalId === undefined ? { existed: false } : { id: principalId, existed: true },
        exchangeManageAsApp: { requestedBefore, grantedBefore },
        ...(securityAndCompliancePlan === undefined ? {} : { securityAndCompliance: securityAndCompliancePlan }),
        roles
    };
}
/**
 * Exchange Online Protection's service principal and its Exchange.ManageAsApp role id, or
 * why it cannot be granted. The role is found by value (what the docs and the portal name);
 * the documented id is used only when the service principal lists that id under another
 * value (or none): Graph refuses a grant of a role the resource does not list, so an id the
 * service principal lacks is never sent.
 */
function securityAndComplianceResource(protection) {
    const permission = `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} of ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9}`;
    if (protection === undefined) {
        return {
            available: false,
            note: `This tenant has no service principal for ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9} (appId ${well_known/* EXCHANGE_ONLINE_PROTECTION_APP_ID */.mm}), ` +
                `so ${permission} is not requested or granted. Connect-IPPSSession may work without it (Microsoft's app-only ` +
                `article long required it only in GCC High and DoD); if Connect-IPPSSession answers UnAuthorized, create that ` +
                `service principal (az ad sp create --id ${well_known/* EXCHANGE_ONLINE_PROTECTION_APP_ID */.mm}) and run this action again.`
        };
    }
    const byValue = protection.appRoles.find(role => role.value?.toLowerCase() === well_known/* EXCHANGE_MANAGE_AS_APP */.Pu.toLowerCase());
    const byId = protection.appRoles.find(role => plan_sameId(role.id, well_known/* EXCHANGE_ONLINE_PROTECTION_MANAGE_AS_APP_ROLE_ID */.G_));
    const appRoleId = byValue?.id ?? byId?.id;
    if (appRoleId === undefined) {
        return {
            available: false,
            note: `The ${well_known/* EXCHANGE_ONLINE_PROTECTION_NAME */.e9} service principal (${protection.id}) in this tenant does not offer ` +
                `${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu}, so it is not requested or granted. Connect-IPPSSession may still work with Exchange ` +
                `Online's ${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu}; if it answers UnAuthorized, check that tenant-id and cloud name the tenant ` +
                'where Security & Compliance is licensed.'
        };
    }
    return { available: true, resourceId: protection.id, appRoleId };
}
/**
 * The app's requiredResourceAccess with Exchange.ManageAsApp requested. Every other
 * resource and permission is kept as it is. Returns the SAME array when nothing is
 * missing, so callers can tell "no change" by identity.
 */
function withExchangeManageAsApp(existing) {
    return withRequestedAppRole(existing, well_known/* EXCHANGE_ONLINE_APP_ID */.Oz, well_known/* EXCHANGE_MANAGE_AS_APP_ROLE_ID */.WQ);
}
/**
 * The app's requiredResourceAccess with one application permission (app role) of one
 * resource requested; everything else kept as it is. Returns the SAME array when it is
 * already requested (ids in any case), so callers can tell "no change" by identity.
 */
function withRequestedAppRole(existing, resourceAppId, appRoleId) {
    const role = { id: appRoleId, type: 'Role' };
    const index = existing.findIndex(entry => plan_sameId(entry.resourceAppId, resourceAppId));
    if (index === -1) {
        return [...existing, { resourceAppId, resourceAccess: [role] }];
    }
    const entry = existing[index];
    if (entry.resourceAccess.some(access => plan_sameId(access.id, role.id) && access.type === 'Role'))
        return existing;
    const merged = [...existing];
    merged[index] = { ...entry, resourceAccess: [...entry.resourceAccess, role] };
    return merged;
}
/**
 * Add a new certificate when the run holds none, when the held one is not on the app,
 * or when it expires within `rotateBeforeDays`; otherwise keep using the held one.
 *
 * "Expires" is the earlier of the certificate's own notAfter and the endDateTime of its
 * key credential on the app: Entra refuses a sign-in after the key credential's end date,
 * whatever the certificate says, and that end date can be set shorter than the
 * certificate (by hand, by a tenant policy).
 */
function planCertificate(policy, app, now) {
    const { held, rotateBeforeDays } = policy;
    if (held === undefined)
        return { decision: 'add-new', reason: 'none-held', rotateBeforeDays };
    const onAppCredentials = app?.keyCredentials.filter(credential => keyCredentialHasThumbprint(credential, held.thumbprint)) ?? [];
    const onApp = onAppCredentials.length > 0;
    // The same certificate twice on the app (under two keyIds) works until the later end date.
    const appEnds = onAppCredentials.map(credential => Date.parse(credential.endDateTime)).filter(end => !Number.isNaN(end));
    const appEnd = appEnds.length === 0 ? undefined : Math.max(...appEnds);
    const endsOnAppEarly = appEnd !== undefined && appEnd < held.notAfter.getTime();
    const expires = endsOnAppEarly ? appEnd : held.notAfter.getTime();
    const msLeft = expires - now.getTime();
    const summary = {
        thumbprint: held.thumbprint.toUpperCase(),
        notAfter: new Date(expires).toISOString(),
        daysLeft: (0,certificate_expiry/* daysUntil */.AQ)(new Date(expires), now),
        onApp,
        ...(endsOnAppEarly ? { appEndDateTime: new Date(appEnd).toISOString() } : {})
    };
    if (!onApp)
        return { decision: 'add-new', reason: 'held-not-on-app', rotateBeforeDays, held: summary };
    if (msLeft <= rotateBeforeDays * certificate_expiry/* DAY_MS */.sO)
        return { decision: 'add-new', reason: 'held-expiring', rotateBeforeDays, held: summary };
    return { decision: 'keep-held', reason: 'held-valid', rotateBeforeDays, held: summary };
}
/**
 * Expired certificates this action made (marked by displayName), never a foreign one and
 * never the one this run holds. An unreadable end date is kept: when unsure, keep.
 */
function planPrune(app, heldThumbprint, now) {
    const expired = app.keyCredentials.filter(credential => isActionMadeKeyCredential(credential) &&
        Date.parse(credential.endDateTime) < now.getTime() &&
        !(heldThumbprint !== undefined && keyCredentialHasThumbprint(credential, heldThumbprint)));
    if (expired.length === 0)
        return undefined;
    return {
        kind: 'remove-expired-certificates',
        appObjectId: app.objectId,
        keyIds: expired.map(credential => credential.keyId),
        certificates: expired.map(credential => ({
            keyId: credential.keyId,
            displayName: credential.displayName ?? '',
            endDateTime: credential.endDateTime
        }))
    };
}
const HOUR_MS = 3_600_000;
/**
 * The earlier certificates of this run's secret set that the current one supersedes
 * (`revoke-previous`), and those as old that belong to another set or to none recorded
 * (`leftAlone`: reported, never revoked — another pipeline sharing the app may be using them).
 * Kept: foreign certificates, the held one, expired ones (prune removes those), any that
 * started after the current one (a concurrent run's, not stored here), and any whose start
 * date cannot be read — when unsure, keep.
 * - Keeping the held certificate: those older than it go once it has been on the app for the
 *   grace period, so jobs that started with the previous certificate have finished.
 * - Adding a new one with a grace of 0: the held certificate (when it is on the app) and this
 *   set's certificates that started before it go in the same run, once the new one has
 *   signed in and is stored (apply decides that, not the plan). Without a held certificate on
 *   the app nothing is revoked: what is there may be another pipeline's or a concurrent run's.
 * - Adding with a grace above 0: nothing now; a later run removes them once the grace is over.
 */
function planRevokePrevious(app, certificate, graceHours, secretSet, now) {
    const nothing = { leftAlone: [] };
    if (graceHours === undefined || certificate.decision === 'none')
        return nothing;
    const live = (credential) => isActionMadeKeyCredential(credential) && !(Date.parse(credential.endDateTime) < now.getTime()) && startOf(credential) !== undefined;
    if (certificate.reason === 'none-held')
        return nothing;
    const held = certificate.held.thumbprint;
    const heldStarts = app.keyCredentials
        .filter(credential => keyCredentialHasThumbprint(credential, held))
        .map(startOf)
        .filter((start) => start !== undefined);
    if (heldStarts.length === 0)
        return nothing;
    const heldStart = Math.min(...heldStarts);
    let superseded;
    let supersededBy;
    if (certificate.decision === 'keep-held') {
        if (now.getTime() - heldStart < graceHours * HOUR_MS)
            return nothing;
        superseded = app.keyCredentials.filter(credential => live(credential) && !keyCredentialHasThumbprint(credential, held) && startOf(credential) < heldStart);
        supersededBy = 'held-for-grace';
    }
    else {
        if (graceHours > 0)
            return nothing;
        // The held certificate and those before it; never one that started after it.
        superseded = app.keyCredentials.filter(credential => live(credential) && startOf(credential) <= heldStart);
        supersededBy = 'this-run';
    }
    const ofThisSet = (credential) => {
        const maker = keyCredentialMaker(credential);
        return maker.kind === 'action' && maker.secretSet === secretSet;
    };
    const previous = superseded.filter(ofThisSet);
    const leftAlone = superseded.filter(credential => !ofThisSet(credential)).map(credential => credential.keyId);
    if (previous.length === 0)
        return { leftAlone };
    return {
        revoke: {
            kind: 'revoke-previous-certificates',
            appObjectId: app.objectId,
            keyIds: previous.map(credential => credential.keyId),
            certificates: previous.map(credential => ({
                keyId: credential.keyId,
                displayName: credential.displayName ?? '',
                startDateTime: credential.startDateTime ?? '',
                endDateTime: credential.endDateTime
            })),
            supersededBy,
            ...(certificate.decision === 'keep-held' ? { current: certificate.held.thumbprint } : {}),
            graceHours
        },
        leftAlone
    };
}
/** A key credential on the app as the plan reports it: whose it is and what happens to it. */
function certificateOnApp(credential, context) {
    const maker = keyCredentialMaker(credential);
    const [thumbprint] = keyCredentialThumbprints(credential);
    return {
        keyId: credential.keyId,
        ...(thumbprint === undefined ? {} : { thumbprint }),
        displayName: credential.displayName ?? '',
        endDateTime: credential.endDateTime,
        maker: maker.kind === 'action' ? (maker.secretSet === context.secretSet ? 'this-set' : 'other-set') : maker.kind,
        ...(maker.kind === 'action' ? { secretSet: maker.secretSet } : {}),
        held: context.held !== undefined && keyCredentialHasThumbprint(credential, context.held),
        outcome: context.outcome
    };
}
function plan_listed(keyId, keyIds) {
    return (keyIds ?? []).some(id => plan_sameId(id, keyId));
}
/** A key credential's start as epoch ms, or undefined when absent or unreadable. */
function startOf(credential) {
    const start = Date.parse(credential.startDateTime ?? '');
    return Number.isNaN(start) ? undefined : start;
}
function distinctRoles(roles) {
    const seen = new Set();
    return roles.filter(role => {
        const id = role.templateId.toLowerCase();
        if (seen.has(id))
            return false;
        seen.add(id);
        return true;
    });
}
function plan_sameId(a, b) {
    return a.toLowerCase() === b.toLowerCase();
}

;// CONCATENATED MODULE: ./src/entra/read-tenant.ts
/**
 * Reads what the tenant has now, in as few round trips as Graph allows: one `$batch`
 * for the app and its federated credentials, Exchange Online's service principal (and, for `connect-ippssession`,
 * Exchange Online Protection's), the organization and, when the preflight needs them, the
 * provisioning identity's own owned objects and role assignments; one for the
 * app's service principal; one for its grants and roles. The result is plain data for
 * the planner and the preflight. A read Graph refuses (403) is recorded, not thrown, so the
 * preflight can name it together with everything else the identity lacks.
 */




/** Owned objects come back 100 to a page unless asked for more; Graph allows up to 999. */
const OWNED_OBJECTS_PAGE = 999;
/**
 * `key` comes back only when keyCredentials is asked for by name (FACTS.md). createdDateTime
 * tells apply whether the app may still be replicating (a concurrent run made it moments ago).
 */
const APP_SELECT = '$select=id,appId,displayName,uniqueName,signInAudience,requiredResourceAccess,keyCredentials,createdDateTime';
async function readTenant(graph, query) {
    const uniqueName = uniqueNameFor(query.appName);
    const identity = query.identity;
    // The app's key as the first read addresses it; its federated credentials ride along, in
    // both modes (with credential: certificate, this action's own are removed), at no extra
    // round trip. For an app that does not exist yet the read answers 404: nothing to read.
    const appKey = query.appId !== undefined ? `appId='${query.appId}'` : `uniqueName='${uniqueName}'`;
    const first = await graph.batch([
        query.appId !== undefined
            ? { id: 'app', method: 'GET', path: `/applications(appId='${query.appId}')?${APP_SELECT}` }
            : { id: 'app', method: 'GET', path: `/applications(uniqueName='${uniqueName}')?${APP_SELECT}` },
        // Apps made in the portal have no uniqueName: find them by display name.
        ...(query.appId === undefined
            ? [{ id: 'byName', method: 'GET', path: `/applications?$filter=${filter(`displayName eq '${odataString(query.appName)}'`)}&${APP_SELECT}` }]
            : []),
        ...(query.appId !== undefined
            ? [{ id: 'sp', method: 'GET', path: `/servicePrincipals(appId='${query.appId}')?$select=id,appId` }]
            : []),
        { id: 'exchange', method: 'GET', path: `/servicePrincipals(appId='${well_known/* EXCHANGE_ONLINE_APP_ID */.Oz}')?$select=id,appRoles` },
        ...(query.securityAndCompliance
            ? [{ id: 'protection', method: 'GET', path: `/servicePrincipals(appId='${well_known/* EXCHANGE_ONLINE_PROTECTION_APP_ID */.mm}')?$select=id,appRoles` }]
            : []),
        ...(query.needInitialDomain ? [{ id: 'org', method: 'GET', path: '/organization?$select=id,verifiedDomains' }] : []),
        ...(identity?.ownedObjects === true
            ? [{ id: 'owned', method: 'GET', path: `/servicePrincipals/${identity.servicePrincipalId}/ownedObjects?$select=id&$top=${OWNED_OBJECTS_PAGE}` }]
            : []),
        ...(identity?.roleAssignments === true ? [ownRoleAssignmentsRequest(identity.servicePrincipalId)] : []),
        { id: 'fic', method: 'GET', path: `/applications(${appKey})/federatedIdentityCredentials` }
    ]);
    const refusedReads = [];
    const refused = (result, capability, task) => {
        if (!(result instanceof GraphRequestError) || result.status !== 403)
            return false;
        if (!refusedReads.some(read => read.request === `${result.method} ${result.path}`)) {
            refusedReads.push({ capability, request: `${result.method} ${result.path}`, task });
        }
        return true;
    };
    const appReads = ['app', 'byName', 'sp', 'exchange', 'protection'].filter(id => refused(first.get(id), 'read-tenant', 'find the app and the Exchange Online service principal'));
    const orgRefused = query.needInitialDomain && refused(first.get('org'), 'read-organization', "discover the tenant's initial domain (or pass 'organization')");
    const provisioningIdentity = identity === undefined ? undefined : await readIdentity(graph, first, identity);
    const initialDomain = query.needInitialDomain && !orgRefused ? readInitialDomain(required(first.get('org'))) : undefined;
    if (appReads.length > 0) {
        // Without the app and Exchange Online nothing can be planned: the preflight reports it.
        return { appRoleAssignments: [], directoryRoleAssignments: [], initialDomain, refusedReads, ...(provisioningIdentity === undefined ? {} : { provisioningIdentity }) };
    }
    const found = findApp(first, query);
    const exchangeOnline = optional(first.get('exchange'), toExchange);
    const exchangeProtection = query.securityAndCompliance ? optional(first.get('protection'), toExchange) : undefined;
    let app = found;
    let servicePrincipal;
    if (found !== undefined) {
        // An app found by display name was not addressed by the first read's key: its federated
        // credentials come with its service principal.
        const ficLater = found.foundBy === 'display-name';
        const second = query.appId !== undefined
            ? first
            : await graph.batch([spRequest(found.appId), ...(ficLater ? [{ id: 'fic', method: 'GET', path: `/applications/${found.objectId}/federatedIdentityCredentials` }] : [])]);
        const sp = second.get('sp');
        if (!refused(sp, 'read-tenant', "read the app's service principal"))
            servicePrincipal = optional(sp, toServicePrincipal);
        const fic = (ficLater ? second : first).get('fic');
        if (!refused(fic, 'read-tenant', "read the app's federated credentials")) {
            app = { ...found, federatedCredentials: list(required(fic)).map(toFederatedCredential) };
        }
    }
    let appRoleAssignments = [];
    let directoryRoleAssignments = [];
    if (servicePrincipal !== undefined) {
        const assignments = await graph.batch([
            { id: 'grants', method: 'GET', path: `/servicePrincipals/${servicePrincipal.id}/appRoleAssignments?$select=id,resourceId,appRoleId` },
            {
                id: 'roles',
                method: 'GET',
                path: `/roleManagement/directory/roleAssignments?$filter=${filter(`principalId eq '${servicePrincipal.id}'`)}&$select=id,roleDefinitionId,directoryScopeId`
            }
        ]);
        const grants = assignments.get('grants');
        const roles = assignments.get('roles');
        if (!refused(grants, 'read-tenant', "read the app's granted permissions"))
            appRoleAssignments = list(required(grants));
        if (!refused(roles, 'read-tenant', "read the app's directory roles"))
            directoryRoleAssignments = list(required(roles));
    }
    return {
        app,
        servicePrincipal,
        exchangeOnline,
        ...(exchangeProtection === undefined ? {} : { exchangeProtection }),
        appRoleAssignments,
        directoryRoleAssignments,
        initialDomain,
        refusedReads,
        ...(provisioningIdentity === undefined ? {} : { provisioningIdentity })
    };
}
/** The identity's own role assignments, every scope: custom and scoped roles are what its token cannot show. */
function ownRoleAssignmentsRequest(servicePrincipalId) {
    return {
        id: 'ownRoles',
        method: 'GET',
        path: `/roleManagement/directory/roleAssignments?$filter=${filter(`principalId eq '${servicePrincipalId}'`)}&$select=roleDefinitionId,directoryScopeId`
    };
}
/**
 * The provisioning identity's owned objects and role assignments, as far as Graph lets it read
 * them: a refused or failed read leaves that part unknown (the preflight then cannot be sure,
 * and says so), it never stops the run.
 */
async function readIdentity(graph, first, identity) {
    const state = {};
    const owned = first.get('owned');
    if (identity.ownedObjects && owned !== undefined && !(owned instanceof GraphRequestError)) {
        const ids = list(owned.body).map(object => object.id);
        // More than one page of owned objects is rare; follow it rather than guess.
        let next = nextLink(owned.body);
        while (next !== undefined) {
            const page = await graph.call({ method: 'GET', path: next });
            ids.push(...list(page.body).map(object => object.id));
            next = nextLink(page.body);
        }
        state.ownedObjectIds = ids;
    }
    const roles = first.get('ownRoles');
    if (identity.roleAssignments && roles !== undefined && !(roles instanceof GraphRequestError)) {
        state.roleAssignments = list(roles.body);
    }
    return state;
}
/** A page's `@odata.nextLink`, relative to the version root as Graph.call takes paths. */
function nextLink(body) {
    const link = body?.['@odata.nextLink'];
    if (typeof link !== 'string')
        return undefined;
    const url = new URL(link);
    return `${url.pathname.replace(/^.*?\/v1\.0(?=\/)/, '')}${url.search}`;
}
/** Reads the app's key credentials afresh, with their certificates (for a replace-write). */
async function readKeyCredentials(graph, appObjectId, newObject = false) {
    const result = await graph.call({
        method: 'GET',
        path: `/applications/${appObjectId}?$select=id,keyCredentials`,
        newObject
    });
    return result.body.keyCredentials ?? [];
}
function spRequest(appId) {
    return { id: 'sp', method: 'GET', path: `/servicePrincipals(appId='${appId}')?$select=id,appId` };
}
function findApp(results, query) {
    const direct = optional(results.get('app'), body => toApp(body, query.appId !== undefined ? 'app-id' : 'unique-name'));
    if (direct !== undefined || query.appId !== undefined)
        return direct;
    const matches = list(required(results.get('byName')));
    if (matches.length > 1) {
        throw new errors/* UserError */.y(`${matches.length} apps are named "${query.appName}" (appIds ${matches.map(m => m.appId).join(', ')}). Pass the one to use as 'app-id', or rename or delete the others.`, { input: 'app-name' });
    }
    return matches.length === 1 ? toApp(matches[0], 'display-name') : undefined;
}
function toApp(body, foundBy) {
    const app = body;
    return {
        objectId: app.id,
        appId: app.appId,
        displayName: app.displayName,
        uniqueName: app.uniqueName ?? null,
        signInAudience: app.signInAudience ?? 'AzureADMyOrg',
        requiredResourceAccess: app.requiredResourceAccess ?? [],
        keyCredentials: app.keyCredentials ?? [],
        createdDateTime: app.createdDateTime ?? null,
        foundBy
    };
}
function toFederatedCredential(credential) {
    return {
        id: credential.id,
        name: credential.name,
        issuer: credential.issuer,
        subject: credential.subject,
        audiences: credential.audiences ?? [],
        description: credential.description ?? null
    };
}
function toServicePrincipal(body) {
    const sp = body;
    return { id: sp.id, appId: sp.appId };
}
function toExchange(body) {
    const sp = body;
    return { id: sp.id, appRoles: (sp.appRoles ?? []).map(role => ({ id: role.id, value: role.value ?? null })) };
}
function readInitialDomain(body) {
    const orgs = list(body);
    const initial = orgs.flatMap(org => org.verifiedDomains ?? []).find(domain => domain.isInitial);
    if (initial === undefined) {
        throw new errors/* UserError */.y("Could not find the tenant's initial *.onmicrosoft.com domain in GET /organization. Pass it as 'organization'.", {
            input: 'organization'
        });
    }
    return initial.name.toLowerCase();
}
/**
 * The body of a successful answer; a 404 means "not there"; anything else is thrown as the
 * GraphRequestError it is (the caller explains it, knowing who signed in).
 */
function optional(result, convert) {
    if (result instanceof GraphRequestError) {
        if (result.status === 404)
            return undefined;
        throw result;
    }
    return result === undefined ? undefined : convert(result.body);
}
function required(result) {
    if (result instanceof GraphRequestError)
        throw result;
    if (result === undefined)
        throw new Error('Graph $batch answer is missing a response');
    return result.body;
}
function list(body) {
    return (body?.value ?? []);
}
/** A `$filter` expression, URL-encoded (names may hold spaces, `&`, `#`...). */
function filter(expression) {
    return encodeURIComponent(expression);
}
/** An OData string literal's content: a quote is doubled. */
function odataString(value) {
    return value.replace(/'/g, "''");
}

;// CONCATENATED MODULE: ./src/entra/apply.ts
/**
 * Carries out a plan against Graph, phase after phase (the grant and the roles of one
 * phase in parallel). Each write is idempotent: an upsert, or a create whose "already
 * exists" answer counts as success, so a rerun after a crash or a concurrent run ends
 * in the same place. Calls on objects that may not have replicated yet are marked
 * `newObject`, so the retry policy waits out their replication lag: objects this run's
 * upserts created or found (a 204 means a concurrent run created it moments ago), and an
 * app whose createdDateTime is minutes old (see `createdRecently`).
 */










async function applyPlan(plan, actual, ctx) {
    // A service principal is created after its app (it needs one to back it), so the
    // service principal of a minutes-old app is minutes old at most; v1.0 servicePrincipal has
    // no createdDateTime to read.
    const appRecent = actual.app !== undefined && createdRecently(actual.app.createdDateTime, ctx.now);
    const state = {
        applied: [],
        createdApp: false,
        createdServicePrincipal: false,
        appCreatedConcurrently: false,
        appMayLag: appRecent,
        servicePrincipalMayLag: appRecent,
        failed: new AbortController()
    };
    if (actual.app !== undefined) {
        state.app = { objectId: actual.app.objectId, appId: actual.app.appId, displayName: actual.app.displayName };
    }
    if (actual.app !== undefined && actual.servicePrincipal !== undefined)
        state.servicePrincipalId = actual.servicePrincipal.id;
    // Each change is recorded as it completes, so a failure can say exactly what was done.
    const carryOut = async (change) => {
        await applyChange(change, state, ctx);
        // A certificate change that gave up waiting for the lease added nothing.
        if (change.kind !== 'add-certificate' || state.newCertificate !== undefined)
            state.applied.push(change);
    };
    // The certificate needs only the app, and nothing later in the plan needs it: it is not
    // a barrier for the phases after its own (the grant and roles do not wait for its read,
    // write and confirming read). Whatever happens, the certificate change has settled before
    // apply returns or throws, so it is not still writing when the run gives back the lease.
    const floating = [];
    try {
        for (const phase of plan.phases) {
            const barrier = [];
            for (const change of phase) {
                const applying = carryOut(change);
                if (change.kind !== 'add-certificate') {
                    barrier.push(applying);
                    continue;
                }
                // Observed now, so a failure while the phases go on is not an unhandled rejection;
                // it is thrown below.
                applying.catch(() => undefined);
                floating.push(applying);
            }
            // Every change of the phase settles before the failure is reported, so the report of
            // what was done is complete.
            const outcomes = await Promise.allSettled(barrier);
            const failure = outcomes.find((outcome) => outcome.status === 'rejected');
            if (failure !== undefined)
                throw failure.reason;
        }
        await Promise.all(floating);
    }
    catch (error) {
        // The run fails: the certificate change stops waiting for the lease, and a certificate
        // it already added comes off again, since no one will ever hold its key.
        state.failed.abort();
        await Promise.allSettled(floating);
        const certificate = await removeCertificateNobodyHolds(state, ctx);
        throw new ApplyError(error, state.applied.filter(change => change.kind !== 'add-certificate'), certificate, plan);
    }
    if (state.app === undefined || state.servicePrincipalId === undefined) {
        throw new Error('apply ended without an app and a service principal; the plan missed a step');
    }
    return state;
}
/**
 * Apply stopped partway. The message is the cause's (what failed and what to do), then
 * what had already been changed, and that a rerun picks up from there: every change is
 * idempotent, so the next run reads what is in place and does only the rest.
 */
class ApplyError extends errors/* UserError */.y {
    applied;
    certificate;
    constructor(cause, 
    /** The changes carried out before the failure, in the order they completed. */
    applied, certificate, plan) {
        super(`${cause instanceof Error ? cause.message : String(cause)}\n${describeStop(applied, certificate, plan).join('\n')}`, { cause });
        this.applied = applied;
        this.certificate = certificate;
    }
}
/** The lines that say where the tenant stands after a failed apply (message and summary). */
function describeStop(applied, certificate, plan) {
    const done = applied.flatMap(change => describeChange(change, plan));
    const lines = done.length === 0 ? ['Nothing had been changed in the tenant before this failure.'] : ['Already changed before the failure:', ...done];
    if (certificate !== undefined) {
        lines.push(certificate.removed
            ? `The new certificate ${certificate.thumbprint} was added and taken off again (no one holds its key).`
            : `The new certificate ${certificate.thumbprint} could not be taken off again; it stays on the app, unused, until it expires.`);
    }
    if (done.length > 0)
        lines.push('A rerun converges: it reads what is in place and does only what is missing.');
    return lines;
}
/** After a failed apply: takes off the certificate this run added (best effort), and says what became of it. */
async function removeCertificateNobodyHolds(state, ctx) {
    const added = state.newCertificate;
    const appObjectId = state.app?.objectId;
    if (added === undefined || appObjectId === undefined)
        return undefined;
    ctx.log(`Removing certificate ${added.thumbprint} again: the run failed before it could be verified and stored.`);
    try {
        // A certificate write like any other: only while the lease is still this run's.
        await removeCertificate(ctx.graph, appObjectId, added.thumbprint, async () => ctx.holdLease?.());
        return { thumbprint: added.thumbprint, removed: true };
    }
    catch (error) {
        ctx.log(`Could not remove certificate ${added.thumbprint} (${error.message}); it stays on the app, unused, until it expires.`);
        return { thumbprint: added.thumbprint, removed: false };
    }
}
async function applyChange(change, state, ctx) {
    const { graph } = ctx;
    try {
        switch (change.kind) {
            case 'create-app': {
                ctx.log(`Creating app "${change.displayName}" (uniqueName ${change.uniqueName})`);
                const created = await graph.call({
                    method: 'PATCH',
                    path: `/applications(uniqueName='${change.uniqueName}')`,
                    headers: { Prefer: 'create-if-missing' },
                    body: {
                        displayName: change.displayName,
                        signInAudience: change.signInAudience,
                        requiredResourceAccess: change.requiredResourceAccess
                    }
                });
                // 204: a concurrent run created it between our read and this write; read it back.
                const app = created.status === 201 && created.body !== undefined
                    ? created.body
                    : (await graph.call({ method: 'GET', path: `/applications(uniqueName='${change.uniqueName}')?${APP_SELECT}`, newObject: true })).body;
                state.app = { objectId: app.id, appId: app.appId, displayName: app.displayName };
                state.createdApp = created.status === 201;
                state.appCreatedConcurrently = created.status !== 201;
                // Created by us (201) or by a concurrent run moments ago (204): new either way.
                state.appMayLag = true;
                return;
            }
            case 'set-required-resource-access': {
                ctx.log('Requesting Exchange.ManageAsApp on the app (other API permissions kept)');
                await graph.call({
                    method: 'PATCH',
                    path: `/applications/${change.appObjectId}`,
                    body: { requiredResourceAccess: change.requiredResourceAccess },
                    newObject: state.appMayLag
                });
                return;
            }
            case 'create-service-principal': {
                const appId = change.appId ?? state.app?.appId;
                if (appId === undefined)
                    throw new Error('create-service-principal before the app exists');
                ctx.log(`Creating the service principal of app ${appId}`);
                const created = await graph.call({
                    method: 'PATCH',
                    path: `/servicePrincipals(appId='${appId}')`,
                    headers: { Prefer: 'create-if-missing' },
                    body: {},
                    // Right after the app is created, Graph may not see it yet (NoBackingApplicationObject).
                    newObject: true
                });
                const id = created.status === 201 && created.body !== undefined
                    ? created.body.id
                    : (await graph.call({ method: 'GET', path: `/servicePrincipals(appId='${appId}')?$select=id`, newObject: true })).body.id;
                state.servicePrincipalId = id;
                state.createdServicePrincipal = created.status === 201;
                // 204: it was not there when read, so a concurrent run created it moments ago.
                state.servicePrincipalMayLag = true;
                return;
            }
            case 'grant-exchange-manage-as-app':
            case 'grant-security-and-compliance': {
                const principalId = change.principalId ?? state.servicePrincipalId;
                ctx.log(change.kind === 'grant-exchange-manage-as-app'
                    ? 'Granting Exchange.ManageAsApp (admin consent)'
                    : 'Granting Exchange.ManageAsApp of Microsoft Exchange Online Protection (admin consent, for Security & Compliance PowerShell)');
                await createIgnoringDuplicate(() => graph.call({
                    method: 'POST',
                    path: `/servicePrincipals/${change.resourceId}/appRoleAssignedTo`,
                    body: { principalId, resourceId: change.resourceId, appRoleId: change.appRoleId },
                    newObject: state.servicePrincipalMayLag
                }));
                return;
            }
            case 'assign-directory-role': {
                const principalId = change.principalId ?? state.servicePrincipalId;
                ctx.log(`Assigning directory role ${change.role.displayName}`);
                await createIgnoringDuplicate(() => graph.call({
                    method: 'POST',
                    path: '/roleManagement/directory/roleAssignments',
                    body: { principalId, roleDefinitionId: change.role.templateId, directoryScopeId: change.directoryScopeId },
                    newObject: state.servicePrincipalMayLag
                }));
                return;
            }
            case 'add-certificate': {
                const appObjectId = change.appObjectId ?? state.app?.objectId;
                if (appObjectId === undefined)
                    throw new Error('add-certificate before the app exists');
                if (ctx.holdLease !== undefined) {
                    // Runs take turns from here; the collection is read again under the lease below.
                    await ctx.holdLease(state.failed.signal);
                    if (state.failed.signal.aborted)
                        return;
                }
                else if (state.appCreatedConcurrently) {
                    // Without a lease, Graph's lack of compare-and-swap for keyCredentials lets two runs
                    // adding certificates to a new app overwrite each other's. The upsert told us which
                    // run created the app; only that one adds the first certificate.
                    throw new errors/* UserError */.y(`Another run created the app "${state.app?.displayName ?? ''}" (${state.app?.appId ?? ''}) at the same moment as this one and is adding its certificate. This run stops before touching the app's certificates, so neither overwrites the other's; nothing is half-done. Rerun this workflow once the other run has finished, and use a 'concurrency:' group so provisioning runs for one tenant queue instead of overlapping.`);
                }
                const certificate = await ctx.newCertificate.take();
                ctx.log(`Adding certificate ${certificate.thumbprint} (expires ${certificate.notAfter.toISOString()}) beside the existing ones`);
                const provenBy = change.reason === 'held-expiring' ? ctx.settings.held : undefined;
                await addCertificateToApp(graph, appObjectId, newKeyCredential(certificate, secretSetOf(ctx.settings.secrets).id), { newObject: state.appMayLag, provenBy });
                state.newCertificate = certificate;
                return;
            }
            case 'add-federated-credential': {
                const appObjectId = change.appObjectId ?? state.app?.objectId;
                if (appObjectId === undefined)
                    throw new Error('add-federated-credential before the app exists');
                ctx.log(`Trusting GitHub OIDC subject '${change.credential.subject}' (federated credential ${change.credential.name})`);
                // A concurrent run may have added the same one: Graph refuses a second credential with
                // the same name or issuer and subject, which means it is there.
                await createIgnoringDuplicate(() => graph.call({
                    method: 'POST',
                    path: `/applications/${appObjectId}/federatedIdentityCredentials`,
                    body: federatedCredentialBody(change.credential),
                    newObject: state.appMayLag
                }));
                return;
            }
            case 'update-federated-credential': {
                if (change.why === 'leave') {
                    await leaveFederatedCredential(graph, change, secretSetOf(ctx.settings.secrets).id, state.appMayLag, ctx.log);
                    return;
                }
                ctx.log(federatedUpdateLine(change));
                // name is immutable and issuer + subject are unchanged: the audience and the
                // description (the secret sets that want it) are set (federatedidentitycredential-update.md).
                await graph.call({
                    method: 'PATCH',
                    path: `/applications/${change.appObjectId}/federatedIdentityCredentials/${change.id}`,
                    body: { audiences: change.credential.audiences, ...(change.credential.description ? { description: change.credential.description } : {}) },
                    newObject: state.appMayLag
                });
                return;
            }
            case 'remove-expired-certificates':
            case 'revoke-previous-certificates':
                // Pruning and revoking run after verification and the secrets (provision.ts), never inside apply.
                return;
            case 'remove-federated-credential':
                // Runs after verification and the secrets (removeFederatedCredentials below), never inside the phases.
                return;
            default: {
                const unknown = change;
                throw new Error(`apply has no step for ${JSON.stringify(unknown)}`);
            }
        }
    }
    catch (error) {
        if (error instanceof GraphRequestError)
            throw explainGraphError(error, { clientId: ctx.settings.signIn.clientId });
        throw error;
    }
}
/**
 * Removes this action's federated credentials the plan no longer wants, once the run's new
 * state is verified and stored: a removal cannot be taken back, and until then jobs on the
 * old subject (or, when switching back to a certificate, jobs not yet switched) keep working.
 * The plan's read is minutes old by then (verification alone may wait 900 s), so each
 * credential is read again right before its DELETE (one GET per removal, only in runs that
 * remove something): one another pipeline sharing the app recorded its set on meanwhile stays,
 * with only this run's set taken off (departureFromFresh). Graph has no conditional DELETE for
 * federated credentials, so a set recorded between that GET and the DELETE (one round trip) is
 * still lost; that pipeline's next run adds the credential again.
 * Every removal is tried; a credential already gone (404: a concurrent run or a person removed
 * it) counts as removed. Those Graph refused are named together in one UserError: a trust the
 * user dropped that is still on the app must fail the job, not pass as a warning, because
 * federated credentials never expire and the summary would otherwise claim it was removed.
 * Returns the removals carried out (or found done).
 */
async function removeFederatedCredentials(plan, ctx) {
    const removals = plan.removeFederatedCredentials ?? [];
    const done = [];
    const failed = [];
    for (const change of removals) {
        const { credential } = change;
        const named = `federated credential ${credential.name} (subject '${credential.subject}')`;
        try {
            const fresh = await readFederatedCredential(ctx.graph, change.appObjectId, credential.id ?? credential.name);
            const departure = departureFromFresh(fresh, plan.secretSet.id, 'remove');
            switch (departure.action) {
                case 'gone':
                    ctx.log(`The ${named} is already gone from the app (a concurrent run or a person removed it)`);
                    done.push(change);
                    break;
                case 'take-off':
                    ctx.log(`Keeping ${named}: another pipeline sharing the app recorded its secret set (${departure.others.join(', ')}) on it since this run read the app, so its jobs sign in through it${departure.description === undefined ? '' : "; only this pipeline's set comes off"}`);
                    if (departure.description !== undefined && fresh !== undefined)
                        await writeFederatedDescription(ctx.graph, change.appObjectId, credential.id ?? credential.name, fresh, departure.description, false);
                    break;
                case 'delete':
                case 'keep':
                    ctx.log(`Removing ${named}: ${removalReason(change)}`);
                    await deleteFederatedCredential(ctx.graph, change);
                    done.push(change);
                    break;
            }
        }
        catch (error) {
            const explained = error instanceof GraphRequestError ? explainGraphError(error, { clientId: ctx.settings.signIn.clientId }) : error;
            failed.push({ change, why: explained instanceof Error ? explained.message : String(explained) });
        }
    }
    if (failed.length > 0) {
        const appId = plan.app.appId ?? '<app-id>';
        throw new errors/* UserError */.y([
            `Could not remove ${failed.length === 1 ? 'a federated credential' : `${failed.length} federated credentials`} this action made and no longer wants; until removed, jobs with ${failed.length === 1 ? 'its subject' : 'their subjects'} can still sign in to Exchange Online as app ${appId} (federated credentials never expire). Everything else in this run is done and stored.`,
            ...failed.map(({ change, why }) => `- ${change.credential.name} (subject '${change.credential.subject}'): ${why}`),
            'Rerun this workflow once the cause is fixed, or remove them by hand:',
            ...failed.map(({ change }) => `  az ad app federated-credential delete --id ${appId} --federated-credential-id ${change.credential.id ?? change.credential.name}`)
        ].join('\n'));
    }
    return done;
}
/**
 * Takes this run's set off a credential other pipelines want (`leave`), from its description
 * as Graph holds it now (one GET first): the plan's copy may lack a set another pipeline
 * recorded since, which a PATCH of the plan's value would drop.
 */
async function leaveFederatedCredential(graph, change, secretSet, newObject, log) {
    const named = `federated credential ${change.credential.name} (subject '${change.credential.subject}')`;
    const fresh = await readFederatedCredential(graph, change.appObjectId, change.id);
    const departure = departureFromFresh(fresh, secretSet, 'leave');
    switch (departure.action) {
        case 'gone':
            log(`The ${named} is already gone from the app (a concurrent run or a person removed it)`);
            return;
        case 'keep':
        case 'delete':
            log(`Leaving ${named} as it is: no other pipeline's secret set is on it any more, so a later run of this pipeline removes it once its new state is verified`);
            return;
        case 'take-off':
            if (departure.description === undefined || fresh === undefined) {
                log(`This pipeline's secret set is no longer on ${named}: nothing to write`);
                return;
            }
            log(federatedUpdateLine(change));
            await writeFederatedDescription(graph, change.appObjectId, change.id, fresh, departure.description, newObject);
    }
}
/** The credential as Graph holds it now (federatedidentitycredential-get.md), or undefined when it is gone (404). */
async function readFederatedCredential(graph, appObjectId, idOrName) {
    try {
        return (await graph.call({ method: 'GET', path: `/applications/${appObjectId}/federatedIdentityCredentials/${encodeURIComponent(idOrName)}` })).body;
    }
    catch (error) {
        if (error instanceof GraphRequestError && error.status === 404)
            return undefined;
        throw error;
    }
}
/** PATCH of a credential's description, its audiences as just read (federatedidentitycredential-update.md). */
async function writeFederatedDescription(graph, appObjectId, idOrName, fresh, description, newObject) {
    await graph.call({
        method: 'PATCH',
        path: `/applications/${appObjectId}/federatedIdentityCredentials/${encodeURIComponent(idOrName)}`,
        body: { audiences: fresh.audiences, description },
        newObject
    });
}
/** An update of a federated credential, in words, for the log. */
function federatedUpdateLine(change) {
    const credential = `federated credential ${change.credential.name} (subject '${change.credential.subject}')`;
    switch (change.why) {
        case 'audience':
            return `Setting ${credential} to audience ${change.credential.audiences.join(', ')}`;
        case 'record-set':
            return `Recording this pipeline's secret set on ${credential}, so no other pipeline sharing the app removes it while this one lists it`;
        case 'leave':
            return `Taking this pipeline's secret set off ${credential}: its subject is no longer wanted here, and other pipelines sharing the app still want it`;
    }
}
/** Why a federated credential goes, in words. */
function removalReason(change) {
    const why = change.reason === 'certificate' ? 'the workflow uses credential: certificate, which needs no federated credential' : "its subject is no longer in 'federated-subjects'";
    return change.earlierVersion === true ? `${why} (made by an earlier version of this action for this repository)` : why;
}
/**
 * DELETE of one federated identity credential (Graph federatedidentitycredential-delete.md:
 * 204 No Content; it may be addressed by id or by name). 404: already gone.
 */
async function deleteFederatedCredential(graph, change) {
    try {
        await graph.call({
            method: 'DELETE',
            path: `/applications/${change.appObjectId}/federatedIdentityCredentials/${encodeURIComponent(change.credential.id ?? change.credential.name)}`
        });
    }
    catch (error) {
        if (error instanceof GraphRequestError && error.status === 404)
            return;
        throw error;
    }
}
/** The POST body of a federated identity credential (Graph's required properties, and its description). */
function federatedCredentialBody(credential) {
    return {
        name: credential.name,
        issuer: credential.issuer,
        subject: credential.subject,
        audiences: credential.audiences,
        ...(credential.description ? { description: credential.description } : {})
    };
}
/**
 * Adds the new certificate beside the existing ones. In a rotation the certificate the run
 * holds is still valid on the app, so Graph's `addKey` can add the new one atomically,
 * proven by a JWT signed with the held key: no read-modify-write of the whole collection,
 * so a concurrent run cannot lose it. Otherwise (a first run, or addKey refused, e.g. the
 * app already ended the held certificate) the collection is replaced with a confirmed PATCH.
 */
async function addCertificateToApp(graph, appObjectId, added, options) {
    if (options.provenBy !== undefined && options.provenBy.notAfter.getTime() > Date.now()) {
        try {
            await graph.call({
                method: 'POST',
                path: `/applications/${appObjectId}/addKey`,
                body: { keyCredential: added, passwordCredential: null, proof: (0,src_certificate/* certificateProofToken */.hF)(options.provenBy, appObjectId, new Date()) }
            });
            return;
        }
        catch (error) {
            if (!(error instanceof GraphRequestError) || error.status !== 400)
                throw error;
        }
    }
    await ensureKeyCredential(graph, appObjectId, added, options.newObject);
}
/**
 * Puts the certificate this run made back on the app if it is gone; true when it had to.
 *
 * Graph has no compare-and-swap for keyCredentials: a writer outside the provisioning
 * lease (a person, a pipeline storing other secrets) that read the collection before our
 * write and PATCHes after our confirming read silently drops our certificate. So the run
 * checks again where it matters — after a sign-in that failed, and at its very end, once
 * the certificate is in the secrets — and re-adds it when it went missing. A check that
 * finds it there costs one read and no write.
 */
async function ensureCertificateOnApp(graph, appObjectId, certificate, secretSet, 
/** Called before the write, when one is needed (holds the provisioning lease). */
beforeWrite) {
    return ensureKeyCredential(graph, appObjectId, newKeyCredential(certificate, secretSet), false, beforeWrite);
}
async function ensureKeyCredential(graph, appObjectId, added, newObject, beforeWrite) {
    const current = await readKeyCredentials(graph, appObjectId, newObject);
    const wanted = keyCredentialsWithNew(current, added);
    // keyCredentialsWithNew returns the collection as it is when the certificate is already there.
    if (wanted.length === current.length)
        return false;
    await beforeWrite?.();
    await writeKeyCredentialsConfirmed(graph, appObjectId, wanted, [], newObject);
    return true;
}
/** Removes key credentials by keyId (prune), keeping everything else. */
async function removeKeyCredentials(graph, appObjectId, keyIds) {
    const wanted = new Set(keyIds.map(id => id.toLowerCase()));
    await removeKeyCredentialsWhere(graph, appObjectId, credential => wanted.has(credential.keyId.toLowerCase()));
}
/** Removes the credential holding this certificate (rollback after a failed secret write); `beforeWrite` as in ensureCertificateOnApp. */
async function removeCertificate(graph, appObjectId, thumbprint, beforeWrite) {
    await removeKeyCredentialsWhere(graph, appObjectId, credential => keyCredentialHasThumbprint(credential, thumbprint), beforeWrite);
}
/** One read of the collection, then (if anything matches) the confirmed write without those. */
async function removeKeyCredentialsWhere(graph, appObjectId, matches, beforeWrite) {
    const current = await readKeyCredentials(graph, appObjectId);
    const keyIds = current.filter(matches).map(credential => credential.keyId);
    if (keyIds.length === 0)
        return;
    await beforeWrite?.();
    await writeKeyCredentialsConfirmed(graph, appObjectId, keyCredentialsWithout(current, keyIds), keyIds, false);
}
const MAX_KEY_WRITE_ATTEMPTS = 5;
async function writeKeyCredentialsConfirmed(graph, appObjectId, intended, removeKeyIds, newObject) {
    let toWrite = intended;
    // The confirming read may also be a replica that has not caught up (FACTS.md): the next
    // attempt waits as the one retry policy says for replication, instead of rewriting at once.
    const clock = new RetryClock(REPLICATION_BUDGET);
    for (let attempt = 1; attempt <= MAX_KEY_WRITE_ATTEMPTS; attempt++) {
        await graph.call({ method: 'PATCH', path: `/applications/${appObjectId}`, body: { keyCredentials: toWrite }, newObject });
        const after = await readKeyCredentials(graph, appObjectId, newObject);
        if (keyCredentialsConfirmed(toWrite, after, removeKeyIds))
            return;
        // Someone else wrote in between: keep their credentials and ours, drop only ours to remove.
        toWrite = mergeKeyCredentials(toWrite, after, removeKeyIds);
        if (attempt < MAX_KEY_WRITE_ATTEMPTS && !(await clock.waitBeforeRetry()))
            break;
    }
    throw new errors/* UserError */.y(`The certificates of app ${appObjectId} kept changing under this run (another run or person is writing them at the same time). Nothing was lost; run the workflow again, and use a 'concurrency:' group so runs for one tenant do not overlap.`);
}
/** A create whose duplicate answer means "already there" (e.g. a concurrent run made it). */
async function createIgnoringDuplicate(create) {
    try {
        await create();
    }
    catch (error) {
        if (error instanceof GraphRequestError && isDuplicate(error))
            return;
        throw error;
    }
}
/** Graph's answers to creating an assignment that exists (not all documented; seen in the field). */
function isDuplicate(error) {
    if (error.status === 409)
        return true;
    return (error.status === 400 &&
        /already exists|conflicting object/i.test(error.graphMessage));
}

// EXTERNAL MODULE: ./src/entra/preflight.ts
var entra_preflight = __webpack_require__(7903);
// EXTERNAL MODULE: ./src/entra/sign-in.ts
var sign_in = __webpack_require__(5055);
// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 289 modules
var esm = __webpack_require__(8256);
;// CONCATENATED MODULE: ./src/entra/verify.ts
/**
 * Proves the result the way Exchange Online will see it: sign in as the app with the
 * certificate this run holds, get a token for Exchange Online, and check that it carries
 * Exchange.ManageAsApp in `roles` and every requested directory role in `wids`. Entra
 * replicates slowly, so it waits with backoff up to `verify-timeout-seconds`.
 */





/**
 * Verification rounds at most: a second (and third) only when the sign-in failed because a
 * writer outside the lease dropped the new certificate, which is then put back.
 */
const MAX_VERIFY_ROUNDS = 3;
/**
 * The longest verification waits in one run, all rounds together, whatever
 * `verify-timeout-seconds` says (the input can only shorten it). Every run holding the
 * provisioning lease must be done within the same time, so that the lease's stale limit can
 * be one constant for all runs (provisioning-lease.ts): were it derived from each run's
 * input, a run with a short timeout would break the lease of one with a long timeout while
 * it still writes. A tenant slower than this is left to a rerun, which verifies again.
 */
const MAX_VERIFY_WAIT_SECONDS = 900;
/** How long this run's verification may wait in all: verify-timeout-seconds, at most MAX_VERIFY_WAIT_SECONDS. */
function verifyWaitMs(settings) {
    return Math.min(settings.verify.timeoutSeconds, MAX_VERIFY_WAIT_SECONDS) * 1000;
}
/** The same in seconds, for messages: what the run really waited for, not the input when it is above the cap. */
function verifyWaitSeconds(settings) {
    return verifyWaitMs(settings) / 1000;
}
/** Signs in as the app with the certificate, as a job with `credential: certificate` will. */
async function verifyExchangeAccess(settings, target, sleep, 
/** What is left of this run's verification time (a later round gets less); at most verifyWaitMs. */
maxWaitMs = verifyWaitMs(settings), now = Date.now) {
    const pem = `${target.certificate.privateKeyPem.trim()}\n${target.certificate.certificatePem.trim()}\n`;
    return verifyWith(settings, target.roles, () => new esm/* ClientCertificateCredential */.m0(target.tenantId, target.appId, { certificate: pem }, (0,sign_in/* credentialOptions */.Kn)(settings.cloud)), sleep, maxWaitMs, now);
}
/**
 * Signs in as the app the way a job with `credential: federated` will: a GitHub OIDC token,
 * exchanged through the app's federated credential. `assertion` gives a fresh token each
 * time it is called (GitHub's live about five minutes; replication waits can be longer).
 */
async function verifyFederatedExchangeAccess(settings, target, sleep, now = Date.now) {
    return verifyWith(settings, target.roles, () => new esm/* ClientAssertionCredential */.XI(target.tenantId, target.appId, target.assertion, (0,sign_in/* credentialOptions */.Kn)(settings.cloud)), sleep, verifyWaitMs(settings), now);
}
/**
 * Gets an Exchange Online token from a new credential each attempt (msal caches tokens, and
 * a cached token keeps stale claims) until it carries everything, or the time is up. The time
 * counts the token requests as well as the waits between them (`waitedMs` is both): no wait
 * starts that would end past `maxWaitMs`, so only the last token request may end later.
 */
async function verifyWith(settings, roles, newCredential, sleep, maxWaitMs, now) {
    const clock = new RetryClock({ maxTotalWaitMs: Math.min(maxWaitMs, verifyWaitMs(settings)), baseDelayMs: 1000, maxDelayMs: 15_000 }, sleep);
    const scope = (0,src_cloud/* defaultScope */._V)(settings.cloud.exchangeResource);
    let signedIn = false;
    let missing = [];
    let signInError;
    for (;;) {
        const asked = now();
        try {
            const token = await newCredential().getToken(scope);
            signedIn = true;
            signInError = undefined;
            missing = missingClaims(token?.token ?? '', roles);
            if (missing.length === 0)
                return { signedIn, ok: true, missing, attempts: clock.attempts + 1, waitedMs: clock.totalWaitMs };
        }
        catch (error) {
            // A new certificate, federated credential or app is not usable for sign-in until it has replicated.
            signInError = (error.message ?? String(error)).split('\n')[0];
            missing = ['a successful sign-in'];
        }
        clock.spent(now() - asked);
        if (!(await clock.waitBeforeRetry())) {
            return { signedIn, ok: false, missing, signInError, attempts: clock.attempts + 1, waitedMs: clock.totalWaitMs };
        }
    }
}
/** What the Exchange Online token lacks: the app role and each directory role's template id. */
function missingClaims(token, roles) {
    const claims = decodeClaims(token);
    const missing = [];
    if (!claims.roles.includes(well_known/* EXCHANGE_MANAGE_AS_APP */.Pu))
        missing.push(`${well_known/* EXCHANGE_MANAGE_AS_APP */.Pu} in 'roles' (admin consent)`);
    for (const role of roles) {
        if (!claims.wids.some(id => id.toLowerCase() === role.templateId))
            missing.push(`${role.displayName} (${role.templateId}) in 'wids'`);
    }
    return missing;
}
function decodeClaims(token) {
    const strings = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
    return { roles: strings((0,sign_in/* jwtClaimValue */.$s)(token, 'roles')), wids: strings((0,sign_in/* jwtClaimValue */.$s)(token, 'wids')) };
}

// EXTERNAL MODULE: ./src/report/printable.ts
var printable = __webpack_require__(9073);
;// CONCATENATED MODULE: ./src/provision/certificate-on-app.ts
/**
 * The certificate steps of provision mode that run after apply: verifying that the new
 * certificate signs in, keeping it on the app against concurrent writers, taking it off
 * again when the run is taken back, and removing this action's old certificates last.
 */








/** Runs Graph work, turning a Graph error answer into what the user should do. */
async function withGraphErrors(operation, context = {}) {
    try {
        return await operation();
    }
    catch (error) {
        if (error instanceof GraphRequestError)
            throw explainGraphError(error, context);
        throw error;
    }
}
/**
 * Whether the certificate this run was given still signs in, so a new one that does not can
 * be taken off again: it must be on the app and valid now (the app-side end date counts).
 * An expired held certificate, or one not on the app, is nothing to fall back to.
 */
function heldCertificateStillWorks(plan, held, now) {
    const certificate = plan.certificate;
    if (held === undefined || certificate.decision === 'none' || certificate.reason === 'none-held')
        return false;
    return certificate.held.onApp && Date.parse(certificate.held.notAfter) > now.getTime() && held.notBefore.getTime() <= now.getTime() + src_certificate/* CLOCK_SKEW_MS */.rn;
}
/**
 * Verifies the sign-in, first making sure the new certificate is still on the app (a
 * concurrent run's stale keyCredentials write can drop it; see ensureCertificateOnApp). If
 * the sign-in fails because it was dropped during verification, it is put back (under the
 * lease) and verified again; if it is still there, the failure stands. All rounds together
 * wait no longer than verifyWaitMs: the lease's stale limit counts on it.
 */
async function verifyKeptOnApp(graph, settings, plan, applied, certificate, tenantId, holdLease, sleep) {
    let result;
    let leftMs = verifyWaitMs(settings);
    for (let round = 1;; round++) {
        // apply has just confirmed the certificate is on the app; check again only after a
        // failed sign-in, which a concurrent run dropping it would explain.
        if (round > 1 && !(await keepNewCertificateOnApp(graph, settings, applied, holdLease)))
            return result;
        result = await verifyIfChanged(settings, plan, applied, certificate, tenantId, leftMs, sleep);
        if (applied.newCertificate === undefined || result === undefined || result.signedIn || round >= MAX_VERIFY_ROUNDS)
            return result;
        leftMs = Math.max(0, leftMs - result.waitedMs);
    }
}
/**
 * ensureCertificateOnApp for this run's new certificate (none: nothing to keep); true when it
 * had to put it back. Putting it back is a certificate write: it waits for `holdLease` first.
 */
async function keepNewCertificateOnApp(graph, settings, applied, holdLease) {
    const added = applied.newCertificate;
    if (added === undefined)
        return false;
    const putBack = await withGraphErrors(() => ensureCertificateOnApp(graph, applied.app.objectId, added, secretSetOf(settings.secrets).id, async () => holdLease?.()), {
        clientId: settings.signIn.clientId
    });
    if (putBack) {
        core/* warning */.$e(`Another run replaced the app's certificates at the same time and dropped the new certificate ${added.thumbprint}; it was added again. Use a 'concurrency:' group so provisioning runs for one tenant do not overlap.`);
    }
    return putBack;
}
async function verifyIfChanged(settings, plan, applied, certificate, tenantId, maxWaitMs, sleep) {
    // Verify after changes only; pruning is not one (it runs after the secrets). Removing
    // federated credentials is: it goes only once the certificate signed in (provision.ts).
    if (!settings.verify.enabled || (plan.phases.length === 0 && (plan.removeFederatedCredentials ?? []).length === 0))
        return undefined;
    return core/* group */.Os('Verifying sign-in to Exchange Online with the certificate', async () => {
        const result = await verifyExchangeAccess(settings, { tenantId, appId: applied.app.appId, certificate, roles: settings.roles }, sleep, maxWaitMs);
        if (result.ok) {
            core/* info */.pq(`Verified: the token for Exchange Online carries Exchange.ManageAsApp${settings.roles.length > 0 ? ` and ${settings.roles.map(r => r.displayName).join(', ')}` : ''} (after ${Math.round(result.waitedMs / 1000)} s).`);
        }
        else if (result.signedIn) {
            core/* warning */.$e(`After ${verifyWaitSeconds(settings)} s the Exchange Online token still lacks: ${result.missing.join('; ')}. Entra can take up to 15 minutes to apply consent and role changes; everything was written, so jobs will work once it has replicated. Rerun this workflow later to confirm.`, { title: 'Exchange Online access not yet in effect' });
        }
        return result;
    });
}
/**
 * Takes the certificate made in this run off the app again; the previous one stays. A
 * certificate write like any other: it waits for `holdLease` first, which throws
 * LeaseOverdue once another run may have taken the lease over.
 */
async function removeNewCertificate(graph, settings, applied, holdLease) {
    if (applied.newCertificate === undefined)
        return;
    const thumbprint = applied.newCertificate.thumbprint;
    await withGraphErrors(() => removeCertificate(graph, applied.app.objectId, thumbprint, async () => {
        await holdLease?.();
        core/* warning */.$e(`Removing the new certificate ${thumbprint} from the app again, so the app and the stored secrets agree.`);
    }), { clientId: settings.signIn.clientId });
}
/**
 * Removes this action's old certificates, after everything else: the expired ones, and with
 * `revoke-previous` the ones the current certificate superseded. Those superseded by this
 * run's new certificate go only once it has signed in (a failed or skipped verification
 * leaves them for a later run). Under the lease when there is one. True when it revoked the
 * previous certificates.
 */
async function removeOldCertificates(settings, graph, plan, newCertificateSignedIn, holdLease) {
    const expired = plan.prune;
    const previous = plan.revokePrevious;
    const revokeNow = previous !== undefined && (previous.supersededBy === 'held-for-grace' || newCertificateSignedIn);
    if (previous !== undefined && !revokeNow) {
        core/* info */.pq((0,printable/* printable */.g)(`Keeping the previous certificates (${previous.certificates.map(certificate => certificate.keyId).join(', ')}) for now: the new certificate has not signed in yet in this run. A later run revokes them (revoke-previous).`));
    }
    const keyIds = [...(expired?.keyIds ?? []), ...(revokeNow ? previous.keyIds : [])];
    if (keyIds.length === 0)
        return false;
    await holdLease?.();
    await core/* group */.Os('Removing old certificates this action made', async () => {
        // Display names and dates as Graph returned them: printable, so none can start a workflow command.
        for (const certificate of expired?.certificates ?? [])
            core/* info */.pq((0,printable/* printable */.g)(`- ${certificate.displayName} (expired ${certificate.endDateTime})`));
        if (revokeNow)
            for (const certificate of previous.certificates)
                core/* info */.pq((0,printable/* printable */.g)(`- ${certificate.displayName} (revoked: superseded, valid until ${certificate.endDateTime})`));
        const appObjectId = expired?.appObjectId ?? previous?.appObjectId ?? '';
        await withGraphErrors(() => removeKeyCredentials(graph, appObjectId, keyIds), { clientId: settings.signIn.clientId });
    });
    return revokeNow;
}

// EXTERNAL MODULE: ./src/report/summary.ts
var summary = __webpack_require__(7994);
;// CONCATENATED MODULE: ./src/provision/report.ts
/**
 * What provision mode reports besides its log: the dry run's plan, a stopped run's summary
 * (before any write, or partway through apply), and the next steps after a run.
 */





async function reportDryRun(settings, plan, organization, preflight) {
    core/* setOutput */.uH('changes', JSON.stringify(plan.changes));
    core/* setOutput */.uH('rotated', 'false');
    if (plan.app.appId !== undefined)
        core/* setOutput */.uH('app-id', plan.app.appId);
    if (organization !== '')
        core/* setOutput */.uH('organization', organization);
    if (settings.tenantId !== undefined)
        core/* setOutput */.uH('tenant-id', settings.tenantId);
    await (0,summary/* writeSummary */.S)({
        title: `Exchange Online app: plan (dry run, ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'})`,
        app: { id: plan.app.appId, name: plan.app.displayName, objectId: plan.app.objectId },
        tenantId: settings.tenantId,
        organization,
        resources: describePlanRows(plan).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
        certificatesOnApp: { secretSet: `${plan.secretSet.id} (${plan.secretSet.description})`, rows: describeCertificatesOnApp(plan) },
        notes: [
            'Dry run: nothing was written to the tenant, to GitHub or to disk. Run again with dry-run: false to apply.',
            ...preflightNotes(preflight, true)
        ]
    });
}
/** The preflight in the summary's notes: what is missing (a real run would stop), or what it cannot tell. */
function preflightNotes(preflight, dryRun) {
    const notes = preflight.missing.map(requirement => `${dryRun ? 'A real run would stop before any write: the' : 'The'} provisioning identity lacks ${requirement.grant ?? entra_preflight/* CAPABILITY_NAMES */.AL[requirement.capability]}, needed to ${requirement.tasks.join('; ')} (${requirement.because}).`);
    for (const requirement of preflight.skipped) {
        notes.push(`Skipped (best-effort): ${requirement.tasks.join('; ')}. The provisioning identity lacks ${requirement.grant ?? entra_preflight/* CAPABILITY_NAMES */.AL[requirement.capability]} (${requirement.because}); the certificates stay on the app until they expire.`);
    }
    const unknown = preflight.requirements.filter(requirement => requirement.verdict === 'unknown');
    if (unknown.length > 0) {
        notes.push(`Preflight could not tell from the token whether the identity may ${unknown.map(requirement => entra_preflight/* CAPABILITY_NAMES */.AL[requirement.capability]).join(' and ')}; a refusal would be explained when it happens.`);
    }
    return notes;
}
/**
 * The summary of a run that stopped: before any write (the preflight), or partway through
 * apply (what was already changed, and that a rerun converges).
 */
async function writeStoppedSummary(settings, plan, preflight, dryRun, failure) {
    const notes = failure !== undefined && plan !== undefined
        ? [`Failed: ${failure.cause instanceof Error ? failure.cause.message : String(failure.cause)}`, ...describeStop(failure.applied, failure.certificate, plan)]
        : [
            ...(preflight === undefined ? [] : preflightNotes(preflight, dryRun)),
            dryRun ? 'Dry run: nothing was written.' : 'Nothing was written to the tenant or to GitHub. Grant what is missing (see the error for the commands), then run again.'
        ];
    await (0,summary/* writeSummary */.S)({
        title: failure !== undefined ? 'Exchange Online app: stopped partway' : 'Exchange Online app: stopped before any change',
        app: { id: plan?.app.appId, name: plan?.app.displayName ?? settings.app.name, objectId: plan?.app.objectId },
        tenantId: settings.tenantId,
        // Before any change, the table shows what the run was going to do.
        ...(plan === undefined || failure !== undefined
            ? {}
            : { resources: describePlanRows(plan).map(row => ({ resource: row.resource, before: row.before, after: `${row.after} (planned)`, detail: row.detail })) }),
        notes
    });
}
function nextSteps(verification, stored) {
    const notes = [];
    if (verification !== undefined && !verification.ok) {
        notes.push(`Exchange Online access not yet confirmed: the token lacks ${verification.missing.join('; ')}. Entra can take up to 15 minutes; rerun to confirm.`);
    }
    if (!stored) {
        notes.push("The certificate is only in this job's outputs. To use it in other jobs and workflows, set `secret-target: repository` (or environment/organization) with a `github-token` that may write secrets.");
    }
    notes.push('Schedule this action weekly in provision mode with the stored secrets as inputs, so the certificate is renewed before it expires.');
    return notes;
}
function federatedNextSteps(verification, secrets, canSignIn, trusted) {
    const notes = [...trusted.notes];
    if (verification !== undefined && !verification.ok) {
        notes.push(`Exchange Online access not yet confirmed: the token lacks ${verification.missing.join('; ')}. Entra can take up to 15 minutes; rerun to confirm.`);
    }
    if (!canSignIn) {
        notes.push("This job's token is not one the app trusts, so no connect script was written here: the everyday jobs use connect mode with credential: federated.");
    }
    if (secrets === undefined) {
        notes.push('Set `secret-target` to store EXO_APP_ID, EXO_TENANT_ID and EXO_ORGANIZATION for the everyday jobs (they are not secret, but keep the workflows short).');
    }
    notes.push('Everyday jobs: `mode: connect`, `credential: federated`, app-id, tenant-id and organization, and `permissions: id-token: write`. Nothing to rotate.');
    return notes;
}

;// CONCATENATED MODULE: ./src/github/retry.ts
/**
 * GitHub's retry rules, in one place: server errors (5xx, or no answer at all) are retried
 * a couple of times with exponential backoff; a rate limit (429, or 403 with `retry-after`,
 * an exhausted `x-ratelimit-remaining`, or the "secondary rate limit" message) is retried
 * after the wait GitHub asks for, unless that wait is longer than we are willing to block a
 * job. Everything else (401, 403 permission, 404, 422) is final and returned at once.
 */
const DEFAULT_RETRY_POLICY = { retries: 2, baseDelayMs: 1000, maxWaitSeconds: 60 };
function isHttpFailure(error) {
    return error instanceof Error && typeof error.status === 'number';
}
/** GitHub's own error text (`{"message": …}`), without Octokit's " - https://docs…" suffix. */
function gitHubMessage(error) {
    const data = error.response?.data;
    if (data && typeof data === 'object' && typeof data.message === 'string') {
        return data.message;
    }
    return error.message;
}
/** Seconds GitHub asks us to wait before retrying, or undefined when this is not a rate limit. */
function rateLimitWaitSeconds(error, now = Date.now()) {
    if (error.status !== 403 && error.status !== 429)
        return undefined;
    const headers = error.response?.headers ?? {};
    const retryAfter = headers['retry-after'];
    if (retryAfter !== undefined && retryAfter !== '') {
        const seconds = Number(retryAfter);
        if (Number.isFinite(seconds))
            return Math.max(0, seconds);
        const date = Date.parse(String(retryAfter));
        if (Number.isFinite(date))
            return Math.max(0, Math.ceil((date - now) / 1000));
    }
    if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
        return Math.max(0, Number(headers['x-ratelimit-reset']) - Math.floor(now / 1000));
    }
    // GitHub's guidance for a secondary rate limit without retry-after: wait at least a minute.
    if (error.status === 429 || /secondary rate limit/i.test(gitHubMessage(error)))
        return 60;
    return undefined;
}
function isServerError(error) {
    return error.status >= 500;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Runs `call`, retrying it under GitHub's rules; the last failure is rethrown unchanged. */
async function withGitHubRetries(call, policy = DEFAULT_RETRY_POLICY) {
    for (let attempt = 0;; attempt++) {
        try {
            return await call();
        }
        catch (error) {
            if (!isHttpFailure(error) || attempt >= policy.retries)
                throw error;
            const wait = rateLimitWaitSeconds(error);
            if (wait !== undefined) {
                if (wait > policy.maxWaitSeconds)
                    throw error;
                await sleep(wait * 1000);
            }
            else if (isServerError(error)) {
                await sleep(policy.baseDelayMs * 2 ** attempt);
            }
            else {
                throw error;
            }
        }
    }
}

;// CONCATENATED MODULE: ./src/github/secret-errors.ts
/**
 * Turns GitHub's answers to the secrets API into errors a user can act on: which token,
 * which permission, which repository, environment or organization. Messages carry
 * GitHub's text and secret NAMES, never a secret value (GitHub never echoes values back).
 */


function secret_errors_describeTarget(target) {
    switch (target.kind) {
        case 'repository':
            return `repository ${target.owner}/${target.repo}`;
        case 'environment':
            return `environment '${target.environment}' of repository ${target.owner}/${target.repo}`;
        case 'organization':
            return `organization ${target.org}`;
    }
}
const APP_TOKEN_HINT = 'or a GitHub App installation token (actions/create-github-app-token) for an app granted that permission';
/** The fine-grained permissions writing secrets to this target needs, in GitHub's words. */
function requiredPermissions(target) {
    switch (target.kind) {
        case 'repository':
            return 'Repository permissions → Secrets: Read and write';
        case 'environment':
            return 'Repository permissions → Secrets: Read and write, and Environments: Read';
        case 'organization':
            return 'Organization permissions → Secrets: Read and write';
    }
}
/** Maps a failed GitHub call to a UserError; anything that is not an HTTP failure is returned as-is. */
function secretFailure(error, context) {
    if (!isHttpFailure(error))
        return error;
    const { target, action } = context;
    const where = secret_errors_describeTarget(target);
    const said = gitHubMessage(error);
    const tokenFix = `Use a fine-grained personal access token with "${requiredPermissions(target)}" on the ${target.kind === 'organization' ? 'organization' : 'repository'}, ${APP_TOKEN_HINT}.`;
    if (error.response === undefined) {
        // Octokit reports "no answer" (refused, reset, timeout, TLS) as status 500 without a response.
        return new errors/* UserError */.y(`Could not reach GitHub${context.apiUrl ? ` at ${context.apiUrl}` : ''} to ${action} ${where}: ${said}. Check GITHUB_API_URL, the runner's network and proxy settings, and (for GHES with a private CA) NODE_EXTRA_CA_CERTS.`, { cause: error });
    }
    switch (error.status) {
        case 401:
            return new errors/* UserError */.y(`GitHub rejected github-token (401 ${said}) when trying to ${action} ${where}: the token is wrong, expired or revoked. ${tokenFix}`, { input: 'github-token', cause: error });
        case 403: {
            if (rateLimitWaitSeconds(error) !== undefined)
                return rateLimited(error, `${action} ${where}`, `403 ${said}`);
            if (/by integration/i.test(said)) {
                return new errors/* UserError */.y(`github-token may not ${action} ${where} (403 ${said}). The workflow's GITHUB_TOKEN can never write Actions secrets, whatever its 'permissions:' say; if this is a GitHub App token, the app lacks the permission. ${tokenFix}`, { input: 'github-token', cause: error });
            }
            if (/SAML|SSO/.test(said)) {
                return new errors/* UserError */.y(`github-token may not ${action} ${where} (403 ${said}): the organization enforces SAML single sign-on. Authorize the token for the organization (Settings → Developer settings → the token → Configure SSO), or use ${APP_TOKEN_HINT.replace(/^or /, '')}.`, { input: 'github-token', cause: error });
            }
            return new errors/* UserError */.y(`github-token may not ${action} ${where} (403 ${said}). Give the token "${requiredPermissions(target)}" (a classic token needs the ${target.kind === 'organization' ? 'admin:org' : 'repo'} scope), or use ${APP_TOKEN_HINT.replace(/^or /, '')}.`, { input: 'github-token', cause: error });
        }
        case 404: {
            const notFound = context.notFound ?? defaultNotFound(target);
            return new errors/* UserError */.y(`GitHub answered 404 when trying to ${action} ${where}: ${notFound.explanation}`, {
                input: notFound.input,
                cause: error
            });
        }
        case 422:
            return new errors/* UserError */.y(`GitHub refused to ${action} ${where} (422): ${said}`, { cause: error });
        case 429:
            return rateLimited(error, `${action} ${where}`, `429 ${said}`);
        default:
            return new errors/* UserError */.y(`GitHub failed to ${action} ${where} (${error.status} ${said}) after retries. Check https://www.githubstatus.com and run the job again.`, { cause: error });
    }
}
/**
 * A rate limit that survived the retries: either GitHub asked for a wait longer than a job
 * is blocked for (then nothing was retried, and the message says how long it asked), or the
 * waits it asked for were taken and it still refused.
 */
function rateLimited(error, what, answer) {
    const wait = rateLimitWaitSeconds(error) ?? 0;
    const advice = 'Run the job again later, and avoid starting many runs at once (use a concurrency group).';
    return new errors/* UserError */.y(wait > DEFAULT_RETRY_POLICY.maxWaitSeconds
        ? `GitHub rate-limited the requests to ${what} (${answer}) and asked to wait ${wait} s, longer than the ${DEFAULT_RETRY_POLICY.maxWaitSeconds} s this action waits within a job, so it did not retry. ${advice}`
        : `GitHub rate-limited the requests to ${what} (${answer}) and retrying within the job, after the waits GitHub asked for, did not get through. ${advice}`, { cause: error });
}
function defaultNotFound(target) {
    switch (target.kind) {
        case 'repository':
        case 'environment':
            return {
                explanation: `the repository ${target.owner}/${target.repo} does not exist, or github-token cannot see it. Check the repository input, and that the token can reach it (a fine-grained token lists it under Repository access; a GitHub App must be installed on it).`,
                input: 'repository'
            };
        case 'organization':
            return {
                // The organization is the owner of the `repository` input.
                explanation: `the organization ${target.org} does not exist, or github-token cannot see it. Check the owner in the repository input, and that the token belongs to it (a fine-grained token's Resource owner must be ${target.org}; a GitHub App must be installed there).`,
                input: 'repository'
            };
    }
}

;// CONCATENATED MODULE: ./src/github/sealed-box.ts
/**
 * GitHub stores Actions secrets encrypted: the client seals each value with the public key
 * of the repository, environment or organization (a libsodium sealed box, X25519 +
 * XSalsa20-Poly1305), and only GitHub holds the private key that opens it.
 */
/** Seals `value` (UTF-8) for GitHub with its base64 public key; returns the base64 box. */
async function sealSecretValue(value, publicKeyBase64) {
    // Loaded on first use: libsodium and its WebAssembly (about 1 MB of bundle) are for runs
    // that write secrets only.
    const { default: sodium } = await __webpack_require__.e(/* import() */ 768).then(__webpack_require__.bind(__webpack_require__, 4768));
    await sodium.ready;
    const publicKey = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
    const box = sodium.crypto_box_seal(sodium.from_string(value), publicKey);
    return sodium.to_base64(box, sodium.base64_variants.ORIGINAL);
}

// EXTERNAL MODULE: ./src/github/secret-names.ts
var secret_names = __webpack_require__(4654);
;// CONCATENATED MODULE: ./src/github/secrets.ts





/**
 * Some PUTs failed. `created`/`updated` list what was written anyway, so the caller can
 * restore or retry; `failed` lists the names that were not written.
 */
class SecretWriteError extends errors/* UserError */.y {
    created;
    updated;
    failed;
    constructor(message, written, cause) {
        super(message, { input: cause instanceof errors/* UserError */.y ? cause.input : undefined, cause });
        this.created = written.created;
        this.updated = written.updated;
        this.failed = written.failed;
    }
}
/** GitHub's documented size limit for one secret value. */
const MAX_SECRET_VALUE_BYTES = 48 * 1024;
/** Writes every entry of `secrets` to `target`; names are case-insensitive and stored upper-case. */
async function writeSecrets(target, secrets, options) {
    const where = secret_errors_describeTarget(target);
    const names = checkSecrets(secrets, where);
    if (names.length === 0)
        return { target: where, created: [], updated: [] };
    if (!options.token) {
        throw new errors/* UserError */.y(`github-token is required to write Actions secrets to the ${where}.`, { input: 'github-token' });
    }
    const github = await gitHubFor(target, options);
    // Independent reads: the key to seal with, and (organization) who may use the secrets.
    const [key, access] = await Promise.all([
        options.publicKey ?? publicKey(github, target),
        target.kind === 'organization' ? organizationAccess(github, target, names) : undefined
    ]);
    const outcomes = await Promise.allSettled(names.map(async (name) => {
        const encrypted_value = await sealSecretValue(secrets[name], key.key);
        const body = { secret_name: name, encrypted_value, key_id: key.key_id };
        try {
            const response = await github.call(() => put(github.octokit, target, body, access?.get(name.toUpperCase())));
            return { name: name.toUpperCase(), created: response.status === 201 };
        }
        catch (error) {
            throw github.fail(error, { action: `write secret ${name.toUpperCase()} to` });
        }
    }));
    const result = { target: where, created: [], updated: [] };
    const failed = [];
    let firstFailure;
    outcomes.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') {
            ;
            (outcome.value.created ? result.created : result.updated).push(outcome.value.name);
        }
        else {
            failed.push(names[index].toUpperCase());
            firstFailure ??= outcome.reason;
        }
    });
    if (failed.length > 0) {
        const reason = firstFailure instanceof Error ? firstFailure.message : String(firstFailure);
        const written = [...result.created, ...result.updated];
        throw new SecretWriteError(`${reason}\nNot written: ${failed.join(', ')}.${written.length > 0 ? ` Written: ${written.join(', ')}.` : ''}`, { ...result, failed }, firstFailure);
    }
    return result;
}
/**
 * Deletes secrets from `target` (names that are already gone count as deleted). Used to
 * take back secrets a failed run created for a certificate it then removed, so no secret
 * names a certificate that is not on the app. Returns the names deleted, upper-case.
 */
async function deleteSecrets(target, names, options) {
    if (names.length === 0)
        return [];
    const github = await gitHubFor(target, options);
    const deleted = await Promise.all(names.map(async (raw) => {
        const name = raw.toUpperCase();
        try {
            await github.call(() => remove(github.octokit, target, name));
        }
        catch (error) {
            if (!(isHttpFailure(error) && error.status === 404)) {
                throw github.fail(error, { action: `delete secret ${name} from` });
            }
        }
        return name;
    }));
    return deleted;
}
/**
 * When each named secret was last written (undefined: it does not exist), and the
 * target's public key for the writes that may follow. GitHub never returns values, but
 * these dates tell whether an earlier run was cut off halfway through writing the set.
 * The key is read first, so a token or target GitHub refuses gets the same explanation
 * as a write would; then the secrets are read in parallel. An organization target without
 * a visibility is refused here when none of the secrets exists: the writes would have to
 * create them and choose who may use them (see `visibilityRequired`).
 */
async function readSecretDates(target, names, options) {
    const github = await gitHubFor(target, options);
    const key = await publicKey(github, target);
    const entries = await Promise.all(names.map(async (raw) => {
        const name = raw.toUpperCase();
        try {
            const response = await github.call(() => metadata(github.octokit, target, name));
            return [name, { updated: new Date(response.data.updated_at), created: new Date(response.data.created_at) }];
        }
        catch (error) {
            // The key was readable, so the place exists: a 404 is this secret missing.
            if (isHttpFailure(error) && error.status === 404)
                return [name, undefined];
            throw github.fail(error, { action: `read when secret ${name} was written in` });
        }
    }));
    if (target.kind === 'organization' && target.visibility === undefined && entries.every(([, date]) => date === undefined)) {
        throw visibilityRequired(target.org, entries.map(([name]) => name));
    }
    return {
        publicKey: key,
        dates: Object.fromEntries(entries.map(([name, dates]) => [name, dates?.updated])),
        created: Object.fromEntries(entries.map(([name, dates]) => [name, dates?.created]))
    };
}
/** When one secret was created and last written; undefined when it does not exist. */
async function secrets_readSecretMetadata(target, name, options) {
    const github = await gitHubFor(target, options);
    const upper = name.toUpperCase();
    try {
        const response = await github.call(() => metadata(github.octokit, target, upper));
        const date = response.headers.date === undefined ? Number.NaN : Date.parse(response.headers.date);
        return {
            createdAt: new Date(response.data.created_at),
            updatedAt: new Date(response.data.updated_at),
            ...(Number.isNaN(date) ? {} : { gitHubNow: new Date(date) })
        };
    }
    catch (error) {
        if (isHttpFailure(error) && error.status === 404)
            return undefined;
        throw github.fail(error, { action: `read secret ${upper} in` });
    }
}
function metadata(octokit, target, secret_name) {
    switch (target.kind) {
        case 'repository':
            return octokit.rest.actions.getRepoSecret({ owner: target.owner, repo: target.repo, secret_name });
        case 'environment':
            return octokit.rest.actions.getEnvironmentSecret({ owner: target.owner, repo: target.repo, environment_name: target.environment, secret_name });
        case 'organization':
            return octokit.rest.actions.getOrgSecret({ org: target.org, secret_name });
    }
}
function remove(octokit, target, secret_name) {
    switch (target.kind) {
        case 'repository':
            return octokit.rest.actions.deleteRepoSecret({ owner: target.owner, repo: target.repo, secret_name });
        case 'environment':
            return octokit.rest.actions.deleteEnvironmentSecret({
                owner: target.owner,
                repo: target.repo,
                environment_name: target.environment,
                secret_name
            });
        case 'organization':
            return octokit.rest.actions.deleteOrgSecret({ org: target.org, secret_name });
    }
}
/**
 * Octokit for GITHUB_API_URL, with this module's retries and error explanations. Octokit
 * is loaded on first use: a run without a secret target (and a post step with no lease to
 * give back) never needs it.
 */
async function gitHubFor(target, options) {
    const { getOctokit } = await __webpack_require__.e(/* import() */ 413).then(__webpack_require__.bind(__webpack_require__, 2413));
    const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const apiUrl = options.apiUrl.replace(/\/+$/, '');
    return {
        octokit: getOctokit(options.token, { baseUrl: apiUrl }),
        call: (request) => withGitHubRetries(request, policy),
        fail: (error, context) => secretFailure(error, { target, apiUrl, ...context })
    };
}
/** Checks names and sizes before anything is sent; returns the names in a stable order. */
function checkSecrets(secrets, where) {
    const names = Object.keys(secrets).sort();
    const seen = new Map();
    for (const name of names) {
        const problem = (0,secret_names/* validateSecretName */.K6)(name);
        if (problem)
            throw new errors/* UserError */.y(`Cannot write to the ${where}: ${problem}`, { input: 'secret-prefix' });
        const twin = seen.get(name.toUpperCase());
        if (twin)
            throw new errors/* UserError */.y(`Cannot write to the ${where}: secret names ${twin} and ${name} are the same to GitHub (names ignore case).`);
        seen.set(name.toUpperCase(), name);
        const bytes = Buffer.byteLength(secrets[name], 'utf8');
        if (bytes > MAX_SECRET_VALUE_BYTES) {
            throw new errors/* UserError */.y(`Cannot write secret ${name.toUpperCase()} to the ${where}: its value is ${bytes} bytes and GitHub allows at most 48 KB per secret.`);
        }
    }
    return names;
}
async function publicKey({ octokit, call, fail }, target) {
    const action = 'read the Actions secrets public key of';
    try {
        const response = await call(() => {
            switch (target.kind) {
                case 'repository':
                    return octokit.rest.actions.getRepoPublicKey({ owner: target.owner, repo: target.repo });
                case 'environment':
                    return octokit.rest.actions.getEnvironmentPublicKey({
                        owner: target.owner,
                        repo: target.repo,
                        environment_name: target.environment
                    });
                case 'organization':
                    return octokit.rest.actions.getOrgPublicKey({ org: target.org });
            }
        });
        return { key_id: response.data.key_id, key: response.data.key };
    }
    catch (error) {
        if (target.kind === 'environment' && isHttpFailure(error) && error.status === 404) {
            // The same 404 means "no such environment" or "no such (visible) repository": find out which.
            const repositoryVisible = await call(() => octokit.rest.repos.get({ owner: target.owner, repo: target.repo })).then(() => true, () => false);
            if (repositoryVisible) {
                throw fail(error, {
                    action,
                    notFound: {
                        explanation: `the repository ${target.owner}/${target.repo} has no environment '${target.environment}'. Create it under the repository's Settings → Environments, or correct secret-environment.`,
                        input: 'secret-environment'
                    }
                });
            }
            throw fail(error, { action });
        }
        throw fail(error, { action });
    }
}
/** Who may use each of `names` (upper-case) once written: the chosen visibility, or what is stored. */
async function organizationAccess(github, target, names) {
    const upper = names.map(name => name.toUpperCase());
    if (target.visibility !== undefined) {
        const chosen = await chosenAccess(github, target, target.visibility);
        return new Map(upper.map(name => [name, chosen]));
    }
    const pool = [...new Set([...upper, ...(target.siblings ?? []).map(name => name.toUpperCase())])];
    const stored = await Promise.all(pool.map(async (name) => [name, await storedAccess(github, target, name)]));
    const current = new Map(stored.flatMap(([name, access]) => (access === undefined ? [] : [[name, access]])));
    const template = narrowest([...current.values()]);
    return new Map(upper.map(name => {
        const access = current.get(name) ?? template;
        if (access === undefined)
            throw visibilityRequired(target.org, pool);
        return [name, access];
    }));
}
/** The chosen visibility; selected repositories given by name are resolved to ids. */
async function chosenAccess({ octokit, call, fail }, target, visibility) {
    if (visibility !== 'selected')
        return { visibility };
    const ids = [...(target.selectedRepositoryIds ?? [])];
    for (const entry of target.selectedRepositories ?? []) {
        const [owner, repo] = entry.includes('/') ? entry.split('/', 2) : [target.org, entry];
        try {
            const response = await call(() => octokit.rest.repos.get({ owner, repo }));
            ids.push(response.data.id);
        }
        catch (error) {
            throw fail(error, {
                action: `look up the selected repository ${owner}/${repo} for`,
                notFound: {
                    explanation: `the repository ${owner}/${repo} does not exist, or github-token cannot see it. Correct secret-repositories (names of repositories in ${target.org}).`,
                    input: 'secret-repositories'
                }
            });
        }
    }
    if (ids.length === 0) {
        throw new errors/* UserError */.y(`Organization secrets of ${target.org} with visibility 'selected' need at least one selected repository.`);
    }
    return { visibility: 'selected', selected_repository_ids: [...new Set(ids)] };
}
/**
 * Who may use a stored organization secret now; undefined when it does not exist. A PUT
 * with `selected` and no repository ids clears the selection, so the ids are read too.
 */
async function storedAccess({ octokit, call, fail }, target, secret_name) {
    try {
        const { data } = await call(() => octokit.rest.actions.getOrgSecret({ org: target.org, secret_name }));
        if (data.visibility !== 'selected')
            return { visibility: data.visibility };
        const repositories = await call(() => octokit.paginate(octokit.rest.actions.listSelectedReposForOrgSecret, { org: target.org, secret_name, per_page: 100 }));
        return { visibility: 'selected', selected_repository_ids: repositories.map(repository => repository.id) };
    }
    catch (error) {
        if (isHttpFailure(error) && error.status === 404)
            return undefined;
        throw fail(error, { action: `read which repositories may use secret ${secret_name} in` });
    }
}
/** The narrowest of several secrets' access: `selected` (the repositories all of them share) before `private` before `all`. */
function narrowest(accesses) {
    const selected = accesses.filter(access => access.visibility === 'selected');
    if (selected.length > 0) {
        const lists = selected.map(access => access.selected_repository_ids ?? []);
        return { visibility: 'selected', selected_repository_ids: lists.reduce((common, list) => common.filter(id => list.includes(id))) };
    }
    if (accesses.some(access => access.visibility === 'private'))
        return { visibility: 'private' };
    return accesses[0];
}
/** No visibility was chosen and there is no stored secret to keep one from. */
function visibilityRequired(org, names) {
    return new errors/* UserError */.y(`Input 'secret-visibility' is required to create organization secrets: none of ${names.join(', ')} exists in the organization ${org} yet, so someone has to choose which repositories may use them. ` +
        "Use secret-visibility: selected with secret-repositories listing the repositories whose jobs connect to Exchange Online (recommended: the certificate signs in as an Exchange admin); 'private' gives them to every private and internal repository of the organization, 'all' to every repository, public ones included. " +
        'Once the secrets exist, runs without secret-visibility keep the visibility they have, also one an admin narrowed later.', { input: 'secret-visibility' });
}
async function put(octokit, target, body, access) {
    switch (target.kind) {
        case 'repository':
            return octokit.rest.actions.createOrUpdateRepoSecret({ owner: target.owner, repo: target.repo, ...body });
        case 'environment':
            return octokit.rest.actions.createOrUpdateEnvironmentSecret({
                owner: target.owner,
                repo: target.repo,
                environment_name: target.environment,
                ...body
            });
        case 'organization':
            return octokit.rest.actions.createOrUpdateOrgSecret({ org: target.org, ...body, ...access });
    }
}

;// CONCATENATED MODULE: ./src/github/lease.ts
/**
 * The provisioning lease: at most one run at a time changes the app's certificates and
 * writes the secrets of one secret target.
 *
 * Why a lease at all: Graph has no compare-and-swap for keyCredentials, and an app's first
 * certificate (or one added by a run that holds none of the app's keys) can only be written
 * by replacing the whole collection. Two runs doing that at once lose one certificate, and
 * two runs writing the six secrets at once can leave one run's PFX beside the other's
 * password. Neither Graph nor the secrets API can lock; but GitHub answers a secret PUT
 * with 201 only when it created the secret and 204 when it replaced one (FACTS.md). So
 * the run whose PUT of `<prefix>LEASE` is answered 201 holds the lease, and deletes the
 * secret when it is done. Its value is a random nonce nobody reads.
 *
 * A run whose runner died without running the post step leaves the lease behind; it is
 * treated as abandoned once older than `staleAfterMs` (by GitHub's clock), which is longer
 * than any run can legitimately hold it, and broken with a warning — by one run at a time,
 * under a second secret `<prefix>LEASE_BREAK`, so two waiters cannot both break it and
 * each take a lease the other then deletes.
 *
 * A holder, in turn, starts no write under the lease once the lease is so old that another
 * run may break it before that write ends: every write is preceded by
 * `HeldLease.checkTimeLeft()`, which stops the run `writeMarginMs` before `staleAfterMs`.
 *
 * GitHub has no conditional delete, so a run deletes only the lease it knows it created:
 * it learns the lease's creation date right after taking it. While the lease is younger than
 * `staleAfterMs` (by the runner's clock since its PUT, with a margin), no run may break it, so
 * it is still that lease and is deleted at once; later, the holder takes the break guard
 * like a breaking run, then deletes the lease only if its creation date is the one it
 * recorded. A DELETE whose first answer was lost is checked the same way before it is sent
 * again.
 *
 * What the lease rests on: GitHub's REST description gives a secret PUT two answers, 201
 * "when creating a secret" and 204 "when updating a secret", and says nothing of PUTs that
 * race to create one name. That exactly one of them gets 201 (GitHub stores a secret once
 * per name, as a unique key does) is an assumption; the emulator decides 201 when the write
 * is stored, and the lease tests race PUTs through it truly interleaved. Were GitHub ever to
 * answer two 201s, nothing readable could tell the two holders apart (one secret, whole-second
 * dates, no value to read back), so no read-back after the 201 could repair it.
 */




/**
 * The holder took too long: its lease is about to count as abandoned, so another run may
 * break it and start writing. The run stops before its next write instead.
 */
class LeaseOverdue extends errors/* UserError */.y {
    constructor(name, where, heldMs, options) {
        const minutes = (ms) => Math.round(ms / 60_000);
        super(`This run asked for the provisioning lease ${name} in the ${where} ${minutes(heldMs)} minutes ago and still had certificate or secret writes to do: too late to start one. ` +
            `Other runs treat a lease older than ${minutes(options.staleAfterMs)} minutes as abandoned and may take over, and one write can take up to ${minutes(options.writeMarginMs)} minutes, so this run stops before its next change to the certificates or the secrets rather than overwrite another run's. ` +
            `Rerun the workflow: a rerun reads what is in place and does only what is missing. Runs this slow usually mean Microsoft Graph or GitHub kept throttling or failing requests.`);
    }
}
/** Thrown when the run stopped asking for the lease (see LeaseOptions.signal). */
class LeaseAbandoned extends Error {
    name = 'LeaseAbandoned';
    constructor() {
        super('The run stopped waiting for the provisioning lease.');
    }
}
const SYSTEM_CLOCK = {
    now: () => Date.now(),
    sleep: (ms, signal) => new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(new LeaseAbandoned());
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new LeaseAbandoned());
        }, { once: true });
    })
};
/** Polling for a held lease starts at this interval and backs off to the maximum. */
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;
/** Breaking a lease takes a run seconds; a guard older than this was left by one that died. */
const BREAK_GUARD_STALE_MS = 2 * 60_000;
/** GitHub's dates (created_at and the Date header) are whole seconds: a comparison of two allows one each. */
const WHOLE_SECONDS_MS = 2000;
/**
 * A holder gives its lease back without checking it when it releases this long before the
 * stale limit at the latest: time for the DELETE to arrive, and for GitHub's whole-second dates.
 */
const RELEASE_MARGIN_MS = 60_000;
/** The secret that is the lease, beside the six (`EXO_LEASE` with the default prefix). */
function leaseSecretName(prefix) {
    return `${prefix}LEASE`.toUpperCase();
}
/**
 * An organization lease needs no readers; 'private' also avoids resolving a 'selected'
 * repository list for a secret no workflow ever uses.
 */
function leaseTarget(target) {
    return target.kind === 'organization' ? { kind: 'organization', org: target.org, visibility: 'private' } : target;
}
/** A value nobody reads: secrets cannot be read back, only their dates. */
function nonce() {
    return (0,external_node_crypto_.randomBytes)(16).toString('hex');
}
/** How old a secret is by GitHub's clock (the runner's when GitHub sent no Date header). */
function ageOf(secret, clock) {
    return (secret.gitHubNow?.getTime() ?? clock.now()) - secret.createdAt.getTime();
}
/** A DELETE whose answer is lost must not be retried blindly: see deleteOwnLease. */
function once(options) {
    return { ...options, retry: { ...options.retry, retries: 0 } };
}
/** Takes the lease, waiting for other runs while they hold it. */
async function acquireLease(target, name, options) {
    if (!(options.writeMarginMs >= 0 && options.writeMarginMs < options.staleAfterMs)) {
        throw new Error(`The lease's writeMarginMs (${options.writeMarginMs}) must be less than staleAfterMs (${options.staleAfterMs}).`);
    }
    const clock = options.clock ?? SYSTEM_CLOCK;
    const where = secret_errors_describeTarget(target);
    const place = leaseTarget(target);
    const started = clock.now();
    let pollMs = FIRST_POLL_MS;
    let announced = false;
    let contended = false;
    /** When this run's PUTs answered 204 were on their way (the runner's clock). */
    const answered204 = [];
    const gaveUp = (waited, since) => new errors/* UserError */.y(`Other provisioning runs have held the lease ${name} in the ${where} for the ${Math.round(waited / 1000)} s this run waited${since === undefined ? '' : ` (the current one since ${since.toISOString()})`}. ` +
        `Runs that change the certificate take turns so that none overwrites another's certificate or secrets. Let them finish and run this one again; ` +
        `if no run is active, delete the secret ${name} from the ${where}. Use a 'concurrency:' group so provisioning runs for one app queue in GitHub instead.`);
    /** Jitter, so runs waiting together do not all try again in the same instant. */
    const pause = async (waited) => {
        await clock.sleep(Math.min(pollMs, options.maxWaitMs - waited) * (0.75 + Math.random() / 2), options.signal);
        pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5);
    };
    /** True when the last try waited for a holder that then gave the lease back. */
    let waitedForHolder = false;
    for (let attempt = 0;; attempt++) {
        if (options.signal?.aborted)
            throw new LeaseAbandoned();
        if (attempt > 0) {
            // Another try after the lease was gone. When this run had been waiting for its holder,
            // the lease was just given back: try at once, a pause would only slow the hand-over.
            // When it was gone at the first look (or broken as stale), other runs may be taking and
            // giving it back in a loop: back off here too, or this loop would PUT again and again
            // without a pause. Either way, keep to maxWaitMs.
            const waited = clock.now() - started;
            if (waited >= options.maxWaitMs)
                throw gaveUp(waited, undefined);
            if (!waitedForHolder)
                await pause(waited);
        }
        waitedForHolder = false;
        const sentAt = clock.now();
        const attemptedAt = new Date(sentAt).toISOString();
        options.record?.({ target: place, name, apiUrl: options.apiUrl, attemptedAt, held: false, staleAfterMs: options.staleAfterMs });
        const result = await writeSecrets(place, { [name]: nonce() }, options);
        if (result.created.includes(name)) {
            options.log(announced
                ? `Took the provisioning lease ${name} after ${Math.round((clock.now() - started) / 1000)} s.`
                : `Took the provisioning lease ${name} in the ${where}: other runs wait until this one has changed the certificate and the secrets.`);
            return heldLease(place, name, contended, sentAt, options, clock);
        }
        // 204: the secret was there. Usually another run holds the lease; our PUT replaced its
        // value, which nobody reads, and not its creation date, which decides staleness.
        //
        // Or our own PUT created it and its 201 was lost (a dropped connection, or a gateway's 502
        // after GitHub stored it; the retry then got 204). Then the lease is ours, but nothing
        // this run can read says so: a secret's value cannot be read back, only its name and its
        // whole-second dates, and "created by our PUT, whose answer was lost" looks exactly like
        // "created by another run's PUT in the same second, while our PUT was lost before GitHub
        // stored it". Taking a lease created while our PUT was on its way as our own would, in the
        // second case, let two runs hold it (the lease test "never takes for its own a lease
        // another run created in the moment its own request was lost"), the one outcome the lease
        // exists to prevent. A run-unique token cannot tell them apart either: the value is
        // unreadable, and in the name the lease would no longer be one name that concurrent PUTs
        // collide on. So we wait like any other run and, if it was ours, break it once stale:
        // slow in this rare case, but never two holders.
        contended = true;
        answered204.push({ sentAt, answeredAt: clock.now() });
        options.record?.(undefined);
        for (;;) {
            if (options.signal?.aborted)
                throw new LeaseAbandoned();
            const lease = await secrets_readSecretMetadata(place, name, options);
            if (lease === undefined)
                break; // given back: try to take it
            // Stale: break it, unless another run holds the break guard and is breaking it; then
            // this run waits like for any held lease (backing off, within maxWaitMs), not in a loop
            // of PUTs and reads.
            if (ageOf(lease, clock) > options.staleAfterMs && (await breakStaleLease(place, name, lease, options, clock, createdWhileAsking(lease, answered204, clock))))
                break;
            const waited = clock.now() - started;
            if (waited >= options.maxWaitMs)
                throw gaveUp(waited, lease.createdAt);
            if (!announced) {
                options.log(`Another provisioning run holds the lease ${name} in the ${where} (since ${lease.createdAt.toISOString()}); waiting for it to finish before changing the certificate or the secrets.`);
                announced = true;
            }
            await pause(waited);
            waitedForHolder = true;
        }
    }
}
/**
 * Breaks a lease left by a run that died, one run at a time: only the run whose PUT of
 * `<name>_BREAK` is answered 201 deletes it, after checking it is still the same stale
 * lease (not one another run has just taken). Returns true when the caller should try to
 * take the lease at once (this run broke it, or cleared the guard of a breaker that died),
 * false while another run holds the guard: the caller goes back to waiting.
 */
async function breakStaleLease(place, name, stale, options, clock, perhapsOurs) {
    const guard = breakGuardName(name);
    const result = await writeSecrets(place, { [guard]: nonce() }, options);
    if (!result.created.includes(guard)) {
        const other = await secrets_readSecretMetadata(place, guard, options);
        if (other === undefined || ageOf(other, clock) <= BREAK_GUARD_STALE_MS)
            return other === undefined;
        await deleteSecrets(place, [guard], options);
        return true;
    }
    try {
        const current = await secrets_readSecretMetadata(place, name, options);
        if (current !== undefined && current.createdAt.getTime() === stale.createdAt.getTime()) {
            options.warn(perhapsOurs
                ? `The provisioning lease ${name} in the ${secret_errors_describeTarget(place)} was taken ${stale.createdAt.toISOString()}, the moment this run asked for it, and never given back: most likely this run's own request created it and its answer was lost. GitHub cannot say whose a lease is, so this run waited until it went stale rather than risk two runs holding it; breaking it.`
                : `The provisioning lease ${name} in the ${secret_errors_describeTarget(place)} was taken ${stale.createdAt.toISOString()} and never given back (a runner that died without its post step); breaking it.`);
            // Not retried blindly either: a waiting run may take the lease the moment it is gone.
            await deleteOwnLease(place, name, stale.createdAt, options);
        }
        return true;
    }
    finally {
        await deleteSecrets(place, [guard], options);
    }
}
/** The second secret, beside the lease, that one run at a time holds while it breaks it. */
function breakGuardName(name) {
    return `${name}_BREAK`;
}
/**
 * Whether the lease was created while one of this run's PUTs answered 204 was on its way
 * (compared on GitHub's clock): then it may be this run's own, its 201 lost. Only for what
 * the run says: it never takes such a lease for its own (see acquireLease).
 */
function createdWhileAsking(lease, windows, clock) {
    const skew = lease.gitHubNow === undefined ? 0 : lease.gitHubNow.getTime() - clock.now();
    const created = lease.createdAt.getTime() - skew;
    return windows.some(window => created >= window.sentAt - WHOLE_SECONDS_MS && created <= window.answeredAt + WHOLE_SECONDS_MS);
}
function heldLease(place, name, contended, sentAt, options, clock) {
    const attemptedAt = new Date(sentAt).toISOString();
    let released = false;
    options.record?.({ target: place, name, apiUrl: options.apiUrl, attemptedAt, held: true, staleAfterMs: options.staleAfterMs });
    // Read back off the critical path: with its creation date, this run (and its post step)
    // deletes only this lease, never one another run took after it.
    const createdAt = secrets_readSecretMetadata(place, name, options).then(lease => lease?.createdAt, () => undefined);
    void createdAt.then(date => {
        if (date !== undefined && !released)
            options.record?.({ target: place, name, apiUrl: options.apiUrl, attemptedAt, held: true, createdAt: date.toISOString(), staleAfterMs: options.staleAfterMs });
    });
    return {
        name,
        contended,
        checkTimeLeft() {
            // Timed from when this run sent the PUT that created the lease, by the runner's clock:
            // the lease is younger than that by GitHub's, up to its whole second.
            const heldMs = clock.now() - sentAt;
            if (heldMs > options.staleAfterMs - options.writeMarginMs)
                throw new LeaseOverdue(name, secret_errors_describeTarget(place), heldMs, options);
        },
        async release() {
            if (released)
                return;
            released = true;
            try {
                const ours = await createdAt;
                if (clock.now() - sentAt <= options.staleAfterMs - RELEASE_MARGIN_MS) {
                    // No run may break a lease this young: it is still the one this run created.
                    await deleteOwnLease(place, name, ours, options);
                }
                else {
                    const outcome = await releaseOverdueLease(place, name, ours, options);
                    if (outcome === 'not ours' || outcome === 'being broken') {
                        options.log(outcome === 'being broken'
                            ? `Left the provisioning lease ${name} to the run that is breaking it: this run held it past the ${Math.round(options.staleAfterMs / 60_000)} minutes after which other runs may.`
                            : `Left the provisioning lease ${name} alone: it is not the one this run took ${ours === undefined ? '(whose creation date this run could not read back)' : `on ${ours.toISOString()}`}, which another run broke after ${Math.round(options.staleAfterMs / 60_000)} minutes.`);
                    }
                }
                options.record?.(undefined);
            }
            catch (error) {
                // The post step tries again; failing that, the next run breaks it once stale.
                options.warn(`Could not give back the provisioning lease ${name} (${error.message}). Later runs wait for it for up to ${Math.round(options.staleAfterMs / 60_000)} minutes; delete the secret ${name} from the ${secret_errors_describeTarget(place)} to free it now.`);
            }
        }
    };
}
/**
 * Gives back a lease held past the stale limit, when another run may have broken it and
 * taken its own. Like a breaking run, the holder first takes the break guard, so no run
 * breaks the lease between the check and the DELETE; then it deletes the lease only if its
 * creation date is the one this run recorded.
 */
async function releaseOverdueLease(place, name, ours, options) {
    const guard = breakGuardName(name);
    const result = await writeSecrets(place, { [guard]: nonce() }, options);
    if (!result.created.includes(guard))
        return 'being broken';
    try {
        const current = await secrets_readSecretMetadata(place, name, options);
        if (current === undefined)
            return 'gone';
        if (ours === undefined || current.createdAt.getTime() !== ours.getTime())
            return 'not ours';
        await deleteOwnLease(place, name, ours, options);
        return 'released';
    }
    finally {
        await deleteSecrets(place, [guard], options);
    }
}
/**
 * Deletes the lease this run created. The DELETE is not retried blindly: if it took effect
 * but its answer was lost, another run may have taken the lease since, and a second DELETE
 * would delete that run's lease. So after a failure the lease is read: gone means done;
 * there with our creation date means delete again.
 */
async function deleteOwnLease(place, name, ours, options) {
    try {
        await deleteSecrets(place, [name], once(options));
    }
    catch (error) {
        const now = await secrets_readSecretMetadata(place, name, options);
        if (now === undefined)
            return;
        if (ours === undefined || now.createdAt.getTime() !== ours.getTime())
            throw error;
        await deleteSecrets(place, [name], once(options));
    }
}
/**
 * The post step's half: gives back a lease the main step held when it was killed or crashed.
 * It deletes only the lease whose creation date the main step read back. Without that date
 * (killed between sending its PUT and reading the lease back) nothing can tell this run's
 * lease from one another run created in the same moments (whole-second dates, an unreadable
 * value), so the lease is left alone: it goes stale and the next run breaks it under the
 * break guard. A lease held past the stale limit, which another run may be breaking, is given
 * back as release() does: under the break guard, and only if it is still the recorded one.
 */
async function releaseLeftLease(record, options) {
    const github = { ...options, apiUrl: record.apiUrl };
    const lease = await readSecretMetadata(record.target, record.name, github);
    if (lease === undefined)
        return 'gone';
    if (record.createdAt === undefined) {
        options.log?.(`Left the provisioning lease ${record.name} in the ${describeTarget(record.target)} alone: the main step stopped before it read back the lease's creation date, so this step cannot tell it from another run's. Later runs break it once it is stale${record.staleAfterMs === undefined ? '' : ` (${Math.round(record.staleAfterMs / 60_000)} minutes old)`}; if no other run is active, delete the secret ${record.name} to free it now.`);
        return 'unknown';
    }
    const ours = new Date(record.createdAt);
    if (lease.createdAt.getTime() !== ours.getTime())
        return 'not ours';
    if (record.staleAfterMs !== undefined && ageOf(lease, SYSTEM_CLOCK) <= record.staleAfterMs - RELEASE_MARGIN_MS) {
        // No run may break a lease this young: it is still the one the main step created.
        await deleteOwnLease(record.target, record.name, ours, github);
        return 'released';
    }
    // Old enough that another run may be breaking it: as release() does, under the break guard.
    return releaseOverdueLease(record.target, record.name, ours, github);
}

;// CONCATENATED MODULE: ./src/github/stored-secrets.ts


/**
 * The certificate's three secrets are always written together, the thumbprint last and in a
 * later second (`writeSecretSet`). So in a set that one run finished, the thumbprint is newer
 * than the PFX and its password. A missing secret, or a PFX or password written in the same
 * second as the thumbprint or after it, means an earlier run was cut off halfway (a crash,
 * an outage) and the set may disagree with itself. The same second counts: GitHub's dates
 * are whole seconds, so a run cut off right after writing a new PFX in the second the set
 * before it was finished leaves dates that look like a finished set's otherwise.
 */
function storedSetIncomplete(prefix, stored, withCertificate = true) {
    const names = (0,secret_names/* secretNames */.XG)(prefix);
    const expected = withCertificate ? Object.values(names) : [names.appId, names.tenantId, names.organization];
    if (expected.some(name => stored[name.toUpperCase()] === undefined))
        return true;
    if (!withCertificate)
        return false;
    const thumbprintWritten = stored[names.certThumbprint.toUpperCase()].getTime();
    return [names.certPfxBase64, names.certPassword].some(name => stored[name.toUpperCase()].getTime() >= thumbprintWritten);
}
/** Name → value of the six secrets for these values (three without a certificate). */
function secretValues(prefix, values) {
    const names = (0,secret_names/* secretNames */.XG)(prefix);
    return {
        [names.appId]: values.appId,
        [names.tenantId]: values.tenantId,
        [names.organization]: values.organization,
        ...(values.certificate === undefined
            ? {}
            : {
                [names.certThumbprint]: values.certificate.thumbprint,
                [names.certPfxBase64]: values.certificate.pfxBase64,
                [names.certPassword]: values.certificate.pfxPassword
            })
    };
}
function secretChanges(prefix, values, given, stored) {
    const names = (0,secret_names/* secretNames */.XG)(prefix);
    const withCertificate = values.certificate !== undefined;
    const pairs = [
        [names.appId, values.appId, given.appId],
        [names.tenantId, values.tenantId, given.tenantId],
        [names.organization, values.organization, given.organization],
        ...(values.certificate === undefined
            ? []
            : [
                [names.certThumbprint, values.certificate.thumbprint, given.certificate?.thumbprint],
                [names.certPfxBase64, values.certificate.pfxBase64, given.certificate?.pfxBase64],
                [names.certPassword, values.certificate.pfxPassword, given.certificate?.pfxPassword]
            ])
    ];
    const writeAll = (withCertificate && given.certificate?.thumbprint !== values.certificate?.thumbprint) ||
        (stored !== undefined && storedSetIncomplete(prefix, stored, withCertificate));
    const changes = { changed: {}, unchanged: [] };
    for (const [name, value, known] of pairs) {
        if (!writeAll && known !== undefined && known === value)
            changes.unchanged.push(name);
        else
            changes.changed[name] = value;
    }
    return changes;
}
/** What the run was given, in the same shape (for `secretChanges`). */
function givenValues(settings) {
    return {
        appId: settings.app.id,
        tenantId: settings.tenantId,
        organization: settings.organization,
        certificate: settings.held
    };
}
/** The settings' secret target in the GitHub module's terms; undefined for `none`. */
function secretTarget(settings) {
    const { secrets } = settings;
    const repository = secrets.repository;
    if (secrets.target === 'none' || repository === undefined)
        return undefined;
    switch (secrets.target) {
        case 'repository':
            return { kind: 'repository', owner: repository.owner, repo: repository.repo };
        case 'environment':
            return { kind: 'environment', owner: repository.owner, repo: repository.repo, environment: secrets.environment ?? '' };
        case 'organization':
            // Without secret-visibility, each stored secret keeps who may use it; one missing from
            // the set gets the narrowest access of the others (see writeSecrets).
            if (secrets.visibility === undefined) {
                return { kind: 'organization', org: repository.owner, siblings: Object.values((0,secret_names/* secretNames */.XG)(secrets.prefix)) };
            }
            return {
                kind: 'organization',
                org: repository.owner,
                visibility: secrets.visibility,
                ...(secrets.visibility === 'selected' ? { selectedRepositories: secrets.selectedRepositories } : {})
            };
    }
}
/**
 * GitHub gives a secret's `updated_at` in whole seconds (the `actions-secret` example in
 * GitHub's REST description, https://docs.github.com/rest/actions/secrets#get-a-repository-secret:
 * "2020-01-10T14:59:22Z"): a write sent this long after the answer to an earlier one is
 * stored in a later second.
 */
const NEXT_SECOND_MS = 1100;
const stored_secrets_sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms));
/**
 * Writes secrets of the set so that an interruption is recognisable: when the thumbprint
 * is among them, everything else first (in parallel), then the thumbprint as the last
 * write, in a later second than the others (see `storedSetIncomplete`). A failure in the
 * first step leaves it unwritten.
 */
async function writeSecretSet(prefix, target, secrets, options, wait = stored_secrets_sleep) {
    const last = (0,secret_names/* secretNames */.XG)(prefix).certThumbprint;
    const first = Object.fromEntries(Object.entries(secrets).filter(([name]) => name !== last));
    const done = await writeSecrets(target, first, options);
    if (secrets[last] === undefined)
        return done;
    // The PFX and its password (written with the thumbprint, always) must be older than it.
    if (done.created.length + done.updated.length > 0)
        await wait(NEXT_SECOND_MS);
    try {
        const final = await writeSecrets(target, { [last]: secrets[last] }, options);
        return { target: done.target, created: [...done.created, ...final.created], updated: [...done.updated, ...final.updated] };
    }
    catch (error) {
        // Report the first step's writes too, so a rollback can restore them — whatever failed
        // (a refused PUT, or a read before it, such as an organization secret's visibility).
        if (error instanceof SecretWriteError) {
            throw new SecretWriteError(error.message, { created: [...done.created, ...error.created], updated: [...done.updated, ...error.updated], failed: error.failed }, error.cause);
        }
        throw new SecretWriteError(error.message ?? String(error), { created: done.created, updated: done.updated, failed: [last] }, error);
    }
}

;// CONCATENATED MODULE: ./src/provision/store-secrets.ts
/**
 * Provision mode's side of the GitHub secrets: when they were last written (read beside the
 * tenant), the refusal to mint a certificate for a misconfigured rotation, writing the set
 * under the lease, and putting secrets back when the run is taken back.
 */







/** Longer than a run waits for the lease (its stale limit is 30 minutes), with margin. */
const CONCURRENT_RUN_WINDOW_MS = 60 * 60 * 1000;
/** When each of the six secrets was last written; undefined without a secret target. */
async function readStoredSecretDates(settings) {
    const target = secretTarget(settings);
    if (target === undefined)
        return undefined;
    return readSecretDates(target, Object.values((0,secret_names/* secretNames */.XG)(settings.secrets.prefix)), {
        token: settings.secrets.githubToken ?? '',
        apiUrl: settings.secrets.apiUrl
    });
}
/**
 * A scheduled rotation that lost its certificate inputs (pfx-base64 left out, a misspelt
 * secret name, which GitHub passes as an empty string) would otherwise mint and store a new
 * certificate on every run, while the earlier ones stay valid. When all six secrets are
 * stored but one of the two inputs is empty, the run stops before any write, unless
 * `repair: true` says the stored certificate is really lost. A pair that is given but does
 * not open is what a run cut off between the two writes leaves behind: that is repaired. A
 * set first created within the last hour is a concurrent run's (two first runs started
 * together; the other waited for the lease), not a schedule's: this run stores its own, as
 * before. Creation, not the last write: a minting loop updates the set, it never creates it.
 */
function requireUsableCertificate(settings, stored, now) {
    if (settings.credential.kind !== 'certificate' || settings.held !== undefined || settings.repair || stored === undefined)
        return;
    if (settings.heldInputs.pfxBase64 && settings.heldInputs.pfxPassword)
        return;
    const names = (0,secret_names/* secretNames */.XG)(settings.secrets.prefix);
    const all = Object.values(names);
    if (all.some(name => stored.dates[name.toUpperCase()] === undefined))
        return;
    const written = stored.dates[names.certThumbprint.toUpperCase()];
    const created = stored.created[names.certThumbprint.toUpperCase()];
    if (created !== undefined && now.getTime() - created.getTime() < CONCURRENT_RUN_WINDOW_MS)
        return;
    throw new errors/* UserError */.y(`The ${secret_errors_describeTarget(secretTarget(settings) ?? { kind: 'repository', owner: '', repo: '' })} already holds a complete set of secrets (${all.join(', ')}; certificate stored ${written?.toISOString() ?? 'earlier'}), but this run was given no certificate: ${settings.heldInputs.pfxBase64 ? 'pfx-password' : 'pfx-base64'} is empty. ` +
        `A scheduled rotation must pass the stored ones back: pfx-base64: \${{ secrets.${names.certPfxBase64} }} and pfx-password: \${{ secrets.${names.certPassword} }} (check the spelling of both secret names). ` +
        'Nothing was changed: making a new certificate here would mint one on every run and leave the earlier ones valid. If the stored certificate is really lost or broken, run once with repair: true to make and store a new one.', { input: 'pfx-base64' });
}
/**
 * Work out and write the secrets that changed, under the lease when there is one. Throws on
 * failure (a SecretWriteError names what was written before it); `putBackSecrets` undoes it.
 */
async function storeSecrets(settings, values, storedSecretDates, lease, findings = { setChangedSinceRead: false }) {
    const target = secretTarget(settings);
    if (target === undefined)
        return undefined;
    const { appId, organization, certificate } = values;
    const decide = (stored) => secretChanges(settings.secrets.prefix, { appId, tenantId: settings.tenantId ?? '', organization, certificate }, givenValues(settings), stored?.dates);
    let stored = await storedSecretDates?.value();
    let changes = decide(stored);
    if (Object.keys(changes.changed).length > 0 && lease !== undefined) {
        const held = await lease.hold();
        // Another run may have written the secrets since their dates were read: it held the
        // lease meanwhile, or the dates caught it halfway (a partly written set) and it gave
        // the lease back just before this run took it. Decide again from what is stored now.
        const partlyWritten = stored !== undefined &&
            Object.values(stored.dates).some(date => date !== undefined) &&
            storedSetIncomplete(settings.secrets.prefix, stored.dates, certificate !== undefined);
        if (held.contended || partlyWritten) {
            const before = stored;
            stored = await readStoredSecretDates(settings);
            changes = decide(stored);
            findings.setChangedSinceRead = Object.keys({ ...before?.dates, ...stored?.dates }).some(name => before?.dates[name]?.getTime() !== stored?.dates[name]?.getTime());
        }
    }
    const names = Object.keys(changes.changed);
    if (names.length === 0) {
        core/* info */.pq('Secrets: nothing changed, nothing written.');
        return { where: secret_errors_describeTarget(target), written: [], unchanged: changes.unchanged };
    }
    const unchanged = changes.unchanged;
    return core/* group */.Os(`Writing secrets (${names.length} changed)`, async () => {
        // The secrets must name a certificate that is on the app. apply confirmed it; a stale
        // write from outside the lease landing meanwhile is repaired at the end of the run.
        const result = await writeSecretSet(settings.secrets.prefix, target, changes.changed, {
            token: settings.secrets.githubToken ?? '',
            apiUrl: settings.secrets.apiUrl,
            publicKey: stored?.publicKey
        });
        const written = [...result.created, ...result.updated];
        core/* info */.pq(`Wrote ${written.join(', ')} to the ${result.target}.`);
        return { where: result.target, written, unchanged: unchanged.filter(name => !written.includes(name)) };
    });
}
/**
 * Takes back secrets written before a failure. Those the run holds an earlier value for get
 * the certificate it was given put back; those it created (nothing was there before) are
 * deleted again. Each group is tried on its own. `stillNamingNew` lists the certificate
 * secrets that still hold the new certificate afterwards (a write that failed, or a secret
 * replaced without knowing its earlier value because no pfx-base64 was given): the new
 * certificate must then stay on the app. `problem` says what could not be put back.
 *
 * When another run wrote the set while this one waited for the lease (`setChangedSinceRead`),
 * the certificate this run was given is not what the untouched secrets hold: putting it back
 * would mix two certificates in one set, and the other run's values cannot be read back.
 * So the run keeps its new certificate (`current`) instead and writes the whole set again.
 *
 * Each write group first holds the lease (`holdLease`, when the run has one): once it is
 * overdue another run may hold it and be writing its own set, so nothing is written and
 * every certificate secret this run wrote still names the new certificate, which therefore
 * stays on the app.
 */
async function putBackSecrets(settings, failure, taking = { setChangedSinceRead: false }, holdLease) {
    const target = secretTarget(settings);
    if (!(failure instanceof SecretWriteError) || target === undefined)
        return { stillNamingNew: [] };
    const written = [...failure.created, ...failure.updated];
    if (written.length === 0)
        return { stillNamingNew: [] };
    const names = (0,secret_names/* secretNames */.XG)(settings.secrets.prefix);
    const certificateSecrets = [names.certThumbprint, names.certPfxBase64, names.certPassword];
    /** Holds the lease before a write group; true (write nothing) once it is overdue or not this run's. */
    const overdue = async () => {
        try {
            await holdLease?.();
            return false;
        }
        catch (error) {
            if (!(error instanceof LeaseOverdue))
                core/* warning */.$e(`Could not hold the provisioning lease to put the secrets back: ${error.message}`);
            return true;
        }
    };
    const leftAsWritten = () => ({
        stillNamingNew: written.filter(name => certificateSecrets.includes(name)),
        problem: `${written.join(', ')} were left as this run wrote them, naming its new certificate, which stays on the app: this run no longer holds the provisioning lease, so another run may be writing the secrets now. Rerun this workflow: it stores a certificate that is on the app.`
    });
    if (taking.setChangedSinceRead && taking.current?.certificate !== undefined) {
        if (await overdue())
            return leftAsWritten();
        return keepNewSet(settings, target, taking.current);
    }
    const held = settings.held;
    const previous = held === undefined
        ? {}
        : secretValues(settings.secrets.prefix, {
            appId: settings.app.id ?? '',
            tenantId: settings.tenantId ?? '',
            organization: settings.organization ?? '',
            certificate: held
        });
    const known = (name) => (previous[name] !== undefined && previous[name] !== '' ? previous[name] : undefined);
    const restore = Object.fromEntries(written.flatMap(name => (known(name) === undefined ? [] : [[name, known(name)]])));
    const created = failure.created.filter(name => known(name) === undefined);
    const replacedUnknown = failure.updated.filter(name => known(name) === undefined && certificateSecrets.includes(name));
    const options = { token: settings.secrets.githubToken ?? '', apiUrl: settings.secrets.apiUrl };
    if ((Object.keys(restore).length > 0 || created.length > 0) && (await overdue()))
        return leftAsWritten();
    const stillNew = [...replacedUnknown];
    const problems = [];
    if (Object.keys(restore).length > 0) {
        try {
            await writeSecretSet(settings.secrets.prefix, target, restore, options);
            core/* warning */.$e(`Restored ${Object.keys(restore).join(', ')} to the previous certificate.`);
        }
        catch (error) {
            const notRestored = error instanceof SecretWriteError ? Object.keys(restore).filter(name => !error.created.includes(name) && !error.updated.includes(name)) : Object.keys(restore);
            stillNew.push(...notRestored.filter(name => certificateSecrets.includes(name)));
            problems.push(`could not restore ${notRestored.join(', ')} to the previous certificate (${error.message})`);
        }
    }
    if (created.length > 0) {
        try {
            // The restore may have taken its whole retry budget: the lease is checked again.
            if (Object.keys(restore).length > 0 && (await overdue()))
                throw new Error('this run no longer holds the provisioning lease');
            await deleteSecrets(target, created, options);
            core/* warning */.$e(`Deleted ${created.join(', ')} again: this run had created them for the certificate it removed.`);
        }
        catch (error) {
            stillNew.push(...created.filter(name => certificateSecrets.includes(name)));
            problems.push(`could not delete ${created.join(', ')} (${error.message})`);
        }
    }
    if (replacedUnknown.length > 0) {
        problems.push(`${replacedUnknown.join(', ')} now hold the new certificate, and this run was not given the earlier one (pfx-base64) to put back`);
    }
    return problems.length === 0
        ? { stillNamingNew: stillNew }
        : { stillNamingNew: stillNew, problem: `${problems.join('; ')}. Rerun this workflow: it stores a certificate that is on the app.` };
}
/** The roll-forward of putBackSecrets: the whole set, for the new certificate, thumbprint last. */
async function keepNewSet(settings, target, current) {
    const names = (0,secret_names/* secretNames */.XG)(settings.secrets.prefix);
    const certificateSecrets = [names.certThumbprint, names.certPfxBase64, names.certPassword];
    try {
        await writeSecretSet(settings.secrets.prefix, target, secretValues(settings.secrets.prefix, current), {
            token: settings.secrets.githubToken ?? '',
            apiUrl: settings.secrets.apiUrl
        });
        core/* warning */.$e(`Another run stored its certificate while this one waited for the provisioning lease, so the certificate this run was given is no longer the stored one and cannot be put back. All six secrets were written again with this run's new certificate ${current.certificate?.thumbprint ?? ''}, which stays on the app.`);
        return { stillNamingNew: certificateSecrets, keptNew: true };
    }
    catch (error) {
        return {
            stillNamingNew: certificateSecrets,
            keptNew: true,
            problem: `another run stored its certificate while this one waited for the lease, and writing the whole set again with this run's new certificate failed too (${error.message}). Rerun this workflow: it stores a certificate that is on the app.`
        };
    }
}
/**
 * After a switch from `credential: certificate`, the certificate secrets are still stored.
 * They are left alone (a job not yet switched still reads them) but named, so they are
 * deleted once nothing uses them: zero-secret means nothing stored.
 */
async function leftOverCertificateSecrets(settings, storedSecretDates) {
    const stored = await storedSecretDates?.value().catch(() => undefined);
    if (stored === undefined)
        return [];
    const names = (0,secret_names/* secretNames */.XG)(settings.secrets.prefix);
    const left = [names.certThumbprint, names.certPfxBase64, names.certPassword].filter(name => stored.dates[name.toUpperCase()] !== undefined);
    if (left.length === 0)
        return [];
    const message = `The secrets ${left.join(', ')} from credential: certificate are still stored. Delete them once every job uses credential: federated (Settings → Secrets and variables → Actions); the app's certificates expire on their own.`;
    core/* warning */.$e(message, { title: 'Certificate secrets still stored' });
    return [message];
}

// EXTERNAL MODULE: ./src/runner/state.ts
var state = __webpack_require__(6003);
;// CONCATENATED MODULE: ./src/provisioning-lease.ts
/**
 * The provisioning lease (github/lease.ts) as provision mode uses it. Only a run with a
 * secret target that is about to change the app's certificates or write secrets takes it:
 * a rerun with nothing to do writes nothing to GitHub. It is requested as soon as the
 * plan is known, so the PUT travels while the app is being set up, and awaited just
 * before the first certificate or secret write — and before every later one, when `hold`
 * also checks that the run still has time to write under it.
 */







/**
 * A run holds the lease from the app's set-up (it is asked for beside it) through the
 * certificate write, verification (at most MAX_VERIFY_WAIT_SECONDS in all rounds together,
 * whatever verify-timeout-seconds says), the secrets and pruning; Graph's and GitHub's retry
 * budgets add minutes at most. A lease older than that plus this margin was left by a runner
 * that died. A live run starts no write once its lease is within ONE_WRITE_MS of that age (hold).
 */
const STALE_MARGIN_MS = 15 * 60 * 1000;
/**
 * When a lease counts as abandoned: one constant, the same for every run whatever its
 * inputs. Were it derived from a run's own verify-timeout-seconds, a waiting run with a short
 * timeout would break the lease of a holder with a long one while that one still writes.
 */
const LEASE_STALE_AFTER_MS = MAX_VERIFY_WAIT_SECONDS * 1000 + STALE_MARGIN_MS;
/**
 * Waiting a little longer than a lease can live means a run waiting on a lease nobody
 * will give back (even its own, when the 201 was lost) breaks it rather than giving up.
 */
const WAIT_BEYOND_STALE_MS = 60 * 1000;
/**
 * The longest one write under the lease can take once started: a certificate write is a
 * PATCH and its confirming read, each of which may use Graph's whole transient retry budget;
 * the secret PUTs (in parallel) may each wait out GitHub's rate limits. Plus a minute for the
 * requests themselves and GitHub's whole-second dates. A holder starts no write later than
 * this before its lease may be broken (github/lease.ts, HeldLease.checkTimeLeft).
 */
const ONE_WRITE_MS = Math.max(2 * TRANSIENT_BUDGET.maxTotalWaitMs, DEFAULT_RETRY_POLICY.retries * DEFAULT_RETRY_POLICY.maxWaitSeconds * 1000) + 60 * 1000;
class ProvisioningLease {
    settings;
    target;
    publicKey;
    clock;
    pending;
    /** Aborted when the run no longer needs the lease, so it stops waiting. */
    stopWaiting = new AbortController();
    constructor(settings, target, publicKey, clock) {
        this.settings = settings;
        this.target = target;
        this.publicKey = publicKey;
        this.clock = clock;
    }
    /** The lease for this run's secret target; undefined when it stores no secrets or only plans. */
    static for(settings, publicKey, clock) {
        const target = secretTarget(settings);
        if (target === undefined || settings.dryRun)
            return undefined;
        return new ProvisioningLease(settings, target, publicKey, clock);
    }
    /** Starts taking the lease (once); `hold` waits for it. */
    request() {
        if (this.pending !== undefined)
            return;
        this.pending = this.acquire();
        // Awaited by hold() or release(); until then a failure must not count as unhandled.
        this.pending.catch(() => undefined);
    }
    /**
     * Call before each certificate or secret write. Resolves once this run holds the lease;
     * rejects with LeaseAbandoned as soon as `giveUp` is aborted (the caller failed elsewhere
     * and must not wait any longer), and with LeaseOverdue (a UserError) once the lease is too
     * old to start another write under it: other runs may soon break it and write themselves.
     */
    async hold(giveUp) {
        const lease = await this.waitForLease(giveUp);
        lease.checkTimeLeft();
        return lease;
    }
    async waitForLease(giveUp) {
        this.request();
        const pending = this.pending;
        if (giveUp === undefined)
            return pending;
        if (giveUp.aborted)
            throw new LeaseAbandoned();
        return Promise.race([
            pending,
            new Promise((_, reject) => giveUp.addEventListener('abort', () => reject(new LeaseAbandoned()), { once: true }))
        ]);
    }
    /** Stops waiting and gives the lease back if this run took it; safe to call more than once. */
    async release() {
        if (this.pending === undefined)
            return;
        this.stopWaiting.abort();
        const lease = await this.pending.catch(() => undefined);
        await lease?.release();
    }
    async acquire() {
        const { settings } = this;
        const staleAfterMs = LEASE_STALE_AFTER_MS;
        return acquireLease(this.target, leaseSecretName(settings.secrets.prefix), {
            token: settings.secrets.githubToken ?? '',
            apiUrl: settings.secrets.apiUrl,
            publicKey: await this.publicKey().catch(() => undefined),
            staleAfterMs,
            writeMarginMs: ONE_WRITE_MS,
            maxWaitMs: staleAfterMs + WAIT_BEYOND_STALE_MS,
            signal: this.stopWaiting.signal,
            clock: this.clock,
            log: line => core/* info */.pq(line),
            warn: line => core/* warning */.$e(line, { title: 'Provisioning lease' }),
            record: state/* rememberLease */.AX
        });
    }
}

// EXTERNAL MODULE: ./src/report/outputs.ts
var outputs = __webpack_require__(5468);
;// CONCATENATED MODULE: ./src/run-steps.ts
/**
 * The steps of a run after its plan, as an explicit list: what each does, and how to take
 * it back when the run cannot finish. The rules live here once, instead of in the care of
 * every caller:
 *
 * - A failing step takes back its own partial work first (a secret set half written), then
 *   the finished steps are taken back, newest first. Each taking-back runs in its own try:
 *   one that fails neither stops the others nor hides the failure that stopped the run —
 *   the error names both.
 * - Once a step marked `settles` has finished (the secrets name the new certificate), the
 *   run's result stands: nothing before it is taken back any more, and later failures are
 *   reported without undoing a finished rotation.
 * - A `bestEffort` step (removing old certificates, a last check) that fails is a warning;
 *   the run goes on.
 */

/** A step failed, and taking the run's work back failed too: both are named. */
class StepsFailedError extends errors/* UserError */.y {
    failure;
    undoFailures;
    constructor(failure, undoFailures) {
        super(`${messageOf(failure)}\n\nTaking back this run's changes did not fully succeed:\n${undoFailures
            .map(({ step, error }) => `- ${step}: ${messageOf(error)}`)
            .join('\n')}`, { cause: failure });
        this.failure = failure;
        this.undoFailures = undoFailures;
    }
}
async function runSteps(steps, warn) {
    let finished = [];
    for (const step of steps) {
        try {
            await step.run();
        }
        catch (failure) {
            if (step.bestEffort === true) {
                warn(`Could not ${step.name}: ${messageOf(failure)}. The run's result stands; the next run tries again.`);
                continue;
            }
            const undoFailures = [];
            for (const done of [step, ...[...finished].reverse()]) {
                if (done.undo === undefined)
                    continue;
                try {
                    await done.undo(failure);
                }
                catch (error) {
                    undoFailures.push({ step: `take back "${done.name}"`, error });
                }
            }
            if (undoFailures.length > 0)
                throw new StepsFailedError(failure, undoFailures);
            throw failure;
        }
        finished = step.settles === true ? [] : [...finished, step];
    }
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}

// EXTERNAL MODULE: ./src/runner/step-timings.ts
var step_timings = __webpack_require__(9428);
;// CONCATENATED MODULE: ./src/provision.ts
/**
 * Provision mode: sign in as the provisioning identity, read the tenant, plan, then carry
 * the plan out as steps (run-steps.ts): apply, verify, store the secrets, write the connect
 * files and outputs, check the new certificate is still on the app, remove old
 * certificates. The order protects the everyday jobs: a new
 * certificate is added beside the old one, proven, stored, and only then are this action's
 * old certificates removed. If a step fails before the secrets are stored, the secrets are
 * put back and the new certificate comes off the app again, so the app and the secrets
 * never disagree; once they are stored, the rotation stands. With a secret target, runs
 * that change the certificate or the secrets take turns under the provisioning lease.
 */



























const masker = { mask: (value) => core/* setSecret */.Pq(value) };
async function runProvision(settings, now) {
    const newCertificate = certificateInAdvance(settings, now);
    const credential = (0,sign_in/* provisioningCredential */.nL)(settings);
    const graph = Graph.create(credential, settings.cloud);
    // When the secrets were last written is read alongside the tenant (no extra round trip on
    // the critical path); it tells storeSecrets whether an earlier run was cut off halfway.
    const storedSecretDates = settings.dryRun ? undefined : settled(readStoredSecretDates(settings));
    const lease = ProvisioningLease.for(settings, async () => (await storedSecretDates?.value())?.publicKey);
    // credential: federated: which jobs the app trusts (this job's OIDC token, read beside the tenant).
    const federation = settings.credential.kind === 'federated' ? settled(resolveFederation(settings)) : undefined;
    const claims = await (0,step_timings/* timed */.ay)('sign-in', () => (0,sign_in/* provisioningIdentityClaims */.Ty)(credential, settings.cloud));
    const grantTarget = { clientId: settings.signIn.clientId, servicePrincipalId: claims.servicePrincipalId, cloud: settings.cloud.name };
    const ownReads = (0,entra_preflight/* identityReadsFor */.HG)(claims);
    const actual = await core/* group */.Os('Reading the tenant', () => (0,step_timings/* timed */.ay)('read', () => withGraphErrors(() => readTenant(graph, {
        appId: settings.app.id,
        appName: settings.app.name,
        needInitialDomain: settings.organization === undefined,
        securityAndCompliance: settings.connectIppsSession,
        ...(claims.servicePrincipalId === undefined ? {} : { identity: { servicePrincipalId: claims.servicePrincipalId, ...ownReads } })
    }), { clientId: settings.signIn.clientId })));
    const evidence = {
        claims,
        ownedObjectIds: actual.provisioningIdentity?.ownedObjectIds,
        roleAssignments: actual.provisioningIdentity?.roleAssignments
    };
    if (actual.refusedReads.some(read => read.capability === 'read-tenant')) {
        // The tenant could not be read, so there is no plan: name everything a first run needs
        // that the identity certainly lacks, together with the refused reads.
        const report = (0,entra_preflight/* checkPreflight */.Qm)((0,entra_preflight/* needsOfFirstRun */.e_)(settings.app.name, settings.roles), evidence, { refusedReads: actual.refusedReads });
        core/* startGroup */.Oh('Preflight');
        for (const line of (0,entra_preflight/* describePreflight */.Vv)(report))
            core/* info */.pq((0,printable/* printable */.g)(line));
        core/* endGroup */.N4();
        await writeStoppedSummary(settings, undefined, report, settings.dryRun);
        throw (0,entra_preflight/* preflightFailure */.Wx)(report, grantTarget, { dryRun: settings.dryRun });
    }
    const organization = settings.organization ?? actual.initialDomain ?? '';
    const trusted = await federation?.value();
    for (const note of trusted?.notes ?? [])
        core/* info */.pq((0,printable/* printable */.g)(note));
    for (const warning of trusted?.warnings ?? [])
        core/* warning */.$e(warning, { title: 'Federated trust wider than it looks' });
    const planned = planProvisioning(desiredStateFromSettings(settings, trusted?.federation, (0,github_event/* readJobFacts */.$)(process.env)), actual, now);
    const preflight = (0,entra_preflight/* checkPreflight */.Qm)((0,entra_preflight/* needsOfPlan */.Ws)(planned), evidence, {
        ...(actual.app === undefined ? {} : { app: { objectId: actual.app.objectId, appId: actual.app.appId, displayName: actual.app.displayName } }),
        refusedReads: actual.refusedReads
    });
    // Removing old certificates is best-effort: without the permission for it, the rest still runs.
    const plan = (0,entra_preflight/* withoutSkippedTasks */.BK)(planned, preflight);
    core/* startGroup */.Oh(settings.dryRun ? 'Plan (dry run: nothing will be written)' : 'Plan');
    // Each line names what Graph returned (display names): printable, so none can start a workflow command.
    for (const line of [...describePlanLines(plan), ...(0,entra_preflight/* describePreflight */.Vv)(preflight)])
        core/* info */.pq((0,printable/* printable */.g)(line));
    core/* endGroup */.N4();
    const skipped = (0,entra_preflight/* skippedWarning */.FE)(preflight, grantTarget);
    if (skipped !== undefined)
        core/* warning */.$e(skipped, { title: 'Old certificates left on the app' });
    if (plan.securityAndCompliance?.available === false) {
        core/* warning */.$e(plan.securityAndCompliance.note, { title: 'Security & Compliance permission not granted' });
    }
    const federatedLeftAlone = federatedCredentialsLeftAlone(plan);
    for (const note of federatedLeftAlone.notes)
        core/* info */.pq((0,printable/* printable */.g)(note));
    for (const warning of federatedLeftAlone.warnings)
        core/* warning */.$e(warning, { title: 'Federated credential left on the app' });
    const leftAlone = certificatesLeftAlone(plan);
    for (const note of leftAlone.notes)
        core/* info */.pq((0,printable/* printable */.g)(note));
    for (const warning of leftAlone.warnings)
        core/* warning */.$e(warning, { title: 'Certificate of an unknown pipeline left on the app' });
    if (settings.dryRun) {
        await reportDryRun(settings, plan, organization, preflight);
        if (!preflight.ok)
            throw (0,entra_preflight/* preflightFailure */.Wx)(preflight, grantTarget, { dryRun: true });
        return;
    }
    if (!preflight.ok) {
        await writeStoppedSummary(settings, plan, preflight, false);
        throw (0,entra_preflight/* preflightFailure */.Wx)(preflight, grantTarget);
    }
    // The secret target is checked before the first write too: its read ran beside the
    // tenant's, and a token that cannot read it could not store the certificate either.
    requireUsableCertificate(settings, await storedSecretDates?.value(), now);
    // Asked for now, so the request travels while the app is set up; certificate writes wait for it.
    if (plan.certificate.decision === 'add-new' || plan.prune !== undefined || plan.revokePrevious !== undefined)
        lease?.request();
    try {
        const run = { settings, graph, plan, actual, organization, lease, storedSecretDates, newCertificate, now };
        if (trusted !== undefined) {
            await carryOutFederatedPlan(run, trusted);
        }
        else {
            await carryOutPlan(run);
        }
    }
    catch (error) {
        if (error instanceof ApplyError)
            await writeStoppedSummary(settings, plan, undefined, false, error);
        throw error;
    }
    finally {
        await lease?.release();
    }
}
/**
 * The certificate this run may add. It is started at once, beside the sign-in and the
 * reads, when the run will most likely add one: certificate credential, not a dry run, and
 * no held certificate or one within the rotation window. Otherwise apply makes it when the
 * plan asks for one.
 */
function certificateInAdvance(settings, now) {
    const { subject, keySize, validityDays, encryption } = settings.newCertificate;
    const advance = new src_certificate/* CertificateInAdvance */.T({ subject, keySize, validityDays, encryption, friendlyName: settings.app.name, now }, certificate => {
        for (const secret of [certificate.pfxBase64, certificate.pfxPassword, certificate.privateKeyPem])
            (0,src_settings/* maskSecret */.$l)(masker, secret);
    });
    const likelyNeeded = settings.credential.kind === 'certificate' &&
        !settings.dryRun &&
        (settings.held === undefined || (0,src_certificate/* daysUntil */.AQ)(settings.held.notAfter, now) <= settings.rotateBeforeDays);
    return likelyNeeded ? advance.start() : advance;
}
/** Applies the plan in its own log group; certificate writes wait for the lease when there is one. */
async function applyInGroup(run) {
    const { settings, graph, plan, actual, lease, newCertificate, now } = run;
    const holdLease = lease === undefined ? undefined : async (giveUp) => void (await lease.hold(giveUp));
    const applied = await core/* group */.Os(plan.phases.length === 0 ? 'Applying (nothing to change)' : 'Applying', () => (0,step_timings/* timed */.ay)('apply', () => applyPlan(plan, actual, { graph, settings, now, log: line => core/* info */.pq((0,printable/* printable */.g)(line)), newCertificate, holdLease })));
    if (newCertificate.timing !== undefined) {
        (0,step_timings/* recordPhase */.TQ)('certificate (made beside sign-in and reads)', newCertificate.timing.madeInMs);
        (0,step_timings/* recordPhase */.TQ)('certificate (apply waited for it)', newCertificate.timing.waitedMs);
    }
    return { applied, holdLease };
}
/**
 * Everything after the plan, as steps (run-steps.ts): apply, verify, store the secrets —
 * the point after which the rotation stands — then the connect files and outputs, the check
 * that the new certificate is still on the app (its failure fails the job, undoing nothing),
 * and last the best-effort removal of old certificates. If a step before the secrets settle
 * fails, the secrets are put back first and then the new certificate comes off the app
 * (unless a secret still names it, or the lease is no longer this run's).
 */
async function carryOutPlan(run) {
    const { settings, graph, plan, organization, lease, storedSecretDates } = run;
    const tenantId = settings.tenantId ?? '';
    let applied;
    let holdLease;
    let verification;
    let secretsReport;
    let files;
    let revokedPrevious = false;
    /** Certificate secrets that still hold the new certificate after a failed put-back: it stays on the app for them. */
    let secretsNamingNew = [];
    /** The secrets were written whole with the new certificate instead of put back (another run stored its set meanwhile). */
    let keptNewSet = false;
    const secretFindings = { setChangedSinceRead: false };
    const appliedState = () => {
        if (applied === undefined)
            throw new Error('apply has not run');
        return applied;
    };
    const certificate = () => {
        const held = appliedState().newCertificate ?? settings.held;
        if (held === undefined)
            throw new Error('No certificate after apply: the plan neither kept nor added one');
        return held;
    };
    await runSteps([
        {
            name: 'apply the plan',
            run: async () => void ({ applied, holdLease } = await applyInGroup(run)),
            // Only the new certificate is taken back: the app, consent and roles are what every
            // rerun converges to anyway, and removing them would break jobs already using them.
            undo: async (failure) => {
                const added = applied?.newCertificate;
                if (applied === undefined || added === undefined)
                    return;
                const leftOnApp = new Error(`the new certificate ${added.thumbprint} was left on the app, because this run no longer holds the lease; no secret names it`);
                if (failure instanceof LeaseOverdue) {
                    // Another run may hold the lease by now: a keyCredentials write here could drop its
                    // certificate. An unused certificate on the app is harmless; the next run stores one.
                    throw leftOnApp;
                }
                if (keptNewSet) {
                    core/* info */.pq(`The new certificate ${added.thumbprint} stays on the app: the stored secrets hold it.`);
                    return;
                }
                if (secretsNamingNew.length > 0) {
                    throw new Error(`the new certificate ${added.thumbprint} was left on the app, because ${secretsNamingNew.join(', ')} still hold it; rerun this workflow to store one consistent set`);
                }
                try {
                    await removeNewCertificate(graph, settings, applied, holdLease);
                }
                catch (error) {
                    // The lease went overdue while the run was being taken back: the same as above.
                    if (error instanceof LeaseOverdue)
                        throw leftOnApp;
                    throw error;
                }
            }
        },
        {
            name: 'verify the new certificate',
            run: async () => {
                const done = appliedState();
                verification = await (0,step_timings/* timed */.ay)('verify', () => verifyKeptOnApp(graph, settings, plan, done, certificate(), tenantId, holdLease));
                const added = done.newCertificate;
                if (added === undefined || verification === undefined || verification.signedIn)
                    return;
                const why = `${verification.signInError ?? 'no answer'}`;
                if (!heldCertificateStillWorks(plan, settings.held, new Date())) {
                    // Nothing to fall back to: taking the new certificate off would leave the app with
                    // none that works. It is on the app (apply confirmed it), so it is stored.
                    core/* warning */.$e(`The new certificate ${added.thumbprint} did not sign in within ${verifyWaitSeconds(settings)} s (${why}). It is on the app and is stored anyway, since ${settings.held === undefined ? 'there is no earlier certificate' : `the certificate this run was given (${settings.held.thumbprint}) is expired or not on the app, so there is nothing`} to keep; Entra replication can take minutes. Rerun this workflow later to verify.`, { title: 'New certificate not verified yet' });
                    return;
                }
                throw new errors/* UserError */.y(`The new certificate ${added.thumbprint} could not sign in as app ${done.app.appId} within ${verifyWaitSeconds(settings)} s (${why}). It was removed again and the previous certificate and secrets were left as they were. Run again later, or raise 'verify-timeout-seconds' if Entra replication is slow in this tenant.`);
            }
        },
        {
            name: 'store the secrets',
            settles: true,
            run: async () => {
                secretsReport = await (0,step_timings/* timed */.ay)('secrets', () => storeSecrets(settings, { appId: appliedState().app.appId, organization, certificate: certificate() }, storedSecretDates, lease, secretFindings));
            },
            // Secrets first, then (apply's undo) the certificate: no secret is left naming a
            // certificate that is no longer on the app.
            undo: async (failure) => {
                if (applied?.newCertificate === undefined)
                    return;
                const putBack = await putBackSecrets(settings, failure, {
                    setChangedSinceRead: secretFindings.setChangedSinceRead,
                    current: { appId: applied.app.appId, tenantId, organization, certificate: applied.newCertificate }
                }, holdLease);
                keptNewSet = putBack.keptNew === true && putBack.problem === undefined;
                secretsNamingNew = keptNewSet ? [] : putBack.stillNamingNew;
                if (putBack.problem !== undefined)
                    throw new Error(putBack.problem);
            }
        },
        {
            name: 'write the connect files and outputs',
            run: async () => {
                const done = appliedState();
                const held = certificate();
                files = await (0,step_timings/* timed */.ay)('connect files', () => (0,connect_files/* emitConnectFiles */.ne)(settings, held, { appId: done.app.appId, organization }));
                (0,outputs/* setActionOutputs */.x)({
                    appId: done.app.appId,
                    appObjectId: done.app.objectId,
                    servicePrincipalId: done.servicePrincipalId,
                    tenantId,
                    organization,
                    certificate: held,
                    pfx: { base64: held.pfxBase64, password: held.pfxPassword, path: files.pfxPath },
                    connectScript: files.scriptPath,
                    credential: 'certificate',
                    rotated: done.newCertificate !== undefined,
                    changes: plan.changes
                });
            }
        },
        {
            // The new certificate is in the secrets and in this job's connect script, so it must
            // still be on the app before older ones go. Runs sharing the lease cannot have dropped
            // it; a writer outside it (a person, a pipeline with other secrets) can. A failure here
            // fails the job (nothing is undone: the secrets are stored).
            name: 'check that the new certificate is still on the app',
            run: async () => {
                const done = appliedState();
                if (done.newCertificate === undefined)
                    return;
                // Putting it back is a certificate write: the lease must still be this run's.
                await keepNewCertificateOnApp(graph, settings, done, holdLease);
            }
        },
        {
            name: 'remove the old certificates this action made',
            bestEffort: true,
            run: async () => void (revokedPrevious = await removeOldCertificates(settings, graph, plan, verification?.signedIn === true, holdLease))
        },
        // Federated sign-in goes only once the certificate path is proven: this run's certificate signed in.
        federatedRemovalStep(run, () => verification?.signedIn === true)
    ], message => core/* warning */.$e(message));
    await lease?.release();
    const done = appliedState();
    const held = certificate();
    const rotated = done.newCertificate !== undefined;
    core/* info */.pq(`Graph requests: ${graph.stats.reads} reads, ${graph.stats.writes} writes, ${graph.stats.retries} retries.`);
    await (0,summary/* writeSummary */.S)({
        title: plan.changes.length === 0 ? 'Exchange Online app: everything in place' : 'Exchange Online app: provisioned',
        app: { id: done.app.appId, name: done.app.displayName, objectId: done.app.objectId, servicePrincipalId: done.servicePrincipalId },
        tenantId,
        organization,
        resources: describePlanRows(plan, run.federatedRemoval).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
        certificate: {
            thumbprint: held.thumbprint,
            notAfter: held.notAfter,
            daysLeft: (0,src_certificate/* daysUntil */.AQ)(held.notAfter, run.now),
            // The previous certificate's expiry as Entra enforces it (the app-side end date when earlier).
            ...(rotated && plan.certificate.decision === 'add-new' && plan.certificate.reason !== 'none-held'
                ? {
                    previous: {
                        thumbprint: plan.certificate.held.thumbprint,
                        notAfter: new Date(plan.certificate.held.notAfter),
                        fate: previousCertificateFate(plan, plan.revokePrevious?.supersededBy === 'this-run' ? revokedPrevious : undefined)
                    }
                }
                : {})
        },
        certificatesOnApp: {
            secretSet: `${plan.secretSet.id} (${plan.secretSet.description})`,
            rows: describeCertificatesOnApp(plan, rotated ? held : undefined)
        },
        secrets: secretsReport,
        ...(files === undefined ? {} : { connectScript: files.scriptPath }),
        notes: nextSteps(verification, secretsReport !== undefined)
    });
}
/**
 * `credential: federated`: apply (the app, consent, roles and federated credentials), verify by
 * signing in as a job will, store the three secrets that are not secret (app id, tenant,
 * organization), remove expired certificates this action made earlier, and — when this job is
 * one the app trusts — emit the connect script with a token. No certificate anywhere.
 */
async function carryOutFederatedPlan(run, trusted) {
    const { settings, graph, plan, organization, lease, storedSecretDates } = run;
    const tenantId = settings.tenantId ?? '';
    const canSignIn = jobIsTrusted(trusted);
    // The jobs' audience (federated-audience), not the provisioning identity's.
    const assertion = reusableGitHubIdToken(trusted.federation.audience);
    let applied;
    let holdLease;
    let verification;
    let secretsReport;
    let files;
    let expiresOn;
    const appliedState = () => {
        if (applied === undefined)
            throw new Error('apply has not run');
        return applied;
    };
    // Nothing to take back: a federated credential holds no key, and jobs sign in once it has replicated.
    await runSteps([
        { name: 'apply the plan', run: async () => void ({ applied, holdLease } = await applyInGroup(run)) },
        {
            name: 'verify sign-in with this job\'s token',
            run: async () => {
                verification = await verifyFederatedIfChanged(settings, plan, appliedState(), trusted, canSignIn, assertion);
                if (verification === undefined || verification.signedIn)
                    return;
                core/* warning */.$e(`This job could not sign in as app ${appliedState().app.appId} with its GitHub OIDC token within ${verifyWaitSeconds(settings)} s (${verification.signInError ?? 'no answer'}). The federated credentials are on the app; Entra replication can take minutes. Rerun this workflow later to verify.`, { title: 'Federated sign-in not verified yet' });
            }
        },
        {
            name: 'store the secrets',
            settles: true,
            run: async () => void (secretsReport = await storeSecrets(settings, { appId: appliedState().app.appId, organization, certificate: undefined }, storedSecretDates, lease))
        },
        {
            // The job that provisions can connect too, when the app trusts its token.
            name: 'write the connect files and outputs',
            run: async () => {
                const done = appliedState();
                if (canSignIn && (verification === undefined || verification.signedIn)) {
                    const tokens = await (0,exchange_token.federatedExchangeTokens)({ tenantId, appId: done.app.appId, cloud: settings.cloud, audience: trusted.federation.audience, assertion }, settings.connectIppsSession);
                    core/* setSecret */.Pq(tokens.exchange.token);
                    if (tokens.compliance !== undefined)
                        core/* setSecret */.Pq(tokens.compliance.token);
                    files = await (0,connect_files/* emitFederatedConnectFiles */.JN)(settings, tokens, { appId: done.app.appId, organization, tenantId });
                    expiresOn = tokens.exchange.expiresOn;
                }
                (0,outputs/* setActionOutputs */.x)({
                    appId: done.app.appId,
                    appObjectId: done.app.objectId,
                    servicePrincipalId: done.servicePrincipalId,
                    tenantId,
                    organization,
                    ...(files === undefined ? {} : { connectScript: files.scriptPath }),
                    credential: 'federated',
                    ...(files === undefined || expiresOn === undefined ? {} : { accessToken: { path: files.exchangeTokenPath, expiresOn } }),
                    rotated: false,
                    changes: plan.changes
                });
            }
        },
        {
            name: 'remove the old certificates this action made',
            bestEffort: true,
            run: async () => void (await removeOldCertificates(settings, graph, plan, false, holdLease))
        },
        federatedRemovalStep(run)
    ], message => core/* warning */.$e(message));
    await lease?.release();
    const done = appliedState();
    core/* info */.pq(`Graph requests: ${graph.stats.reads} reads, ${graph.stats.writes} writes, ${graph.stats.retries} retries.`);
    const subjects = [...trusted.federation.subjects];
    const leftOver = await leftOverCertificateSecrets(settings, storedSecretDates);
    await (0,summary/* writeSummary */.S)({
        title: plan.changes.length === 0 ? 'Exchange Online app: everything in place (federated)' : 'Exchange Online app: provisioned (federated)',
        app: { id: done.app.appId, name: done.app.displayName, objectId: done.app.objectId, servicePrincipalId: done.servicePrincipalId },
        tenantId,
        organization,
        credential: { kind: 'federated', subjects, ...(expiresOn === undefined ? {} : { expiresOn }) },
        certificatesOnApp: { secretSet: `${plan.secretSet.id} (${plan.secretSet.description})`, rows: describeCertificatesOnApp(plan) },
        resources: describePlanRows(plan, run.federatedRemoval).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
        secrets: secretsReport,
        ...(files === undefined ? {} : { connectScript: files.scriptPath }),
        notes: [...federatedNextSteps(verification, secretsReport, canSignIn, trusted), ...leftOver]
    });
}
/**
 * The last step of both modes: this action's federated credentials the plan no longer wants
 * come off the app, once everything else is verified, stored and written (a removal cannot be
 * taken back). Not best-effort: a trust the workflow dropped that stays on the app fails the
 * job (see removeFederatedCredentials), but takes nothing back, since the run has settled.
 */
function federatedRemovalStep(run, certificateSignedIn) {
    return {
        name: 'remove the federated credentials this action no longer wants',
        run: async () => {
            const removals = run.plan.removeFederatedCredentials ?? [];
            if (removals.length === 0)
                return;
            if (certificateSignedIn !== undefined && !certificateSignedIn()) {
                core/* warning */.$e(federatedRemovalPostponed(run, removals), { title: 'Federated credentials kept until the certificate signs in' });
                run.federatedRemoval = { removed: new Set(), postponed: true };
                return;
            }
            const removed = await core/* group */.Os('Removing federated credentials this action made and no longer wants', () => 
            // Each line names credentials and subjects read from Graph: printable, so none can start a workflow command.
            removeFederatedCredentials(run.plan, { graph: run.graph, settings: run.settings, log: line => core/* info */.pq((0,printable/* printable */.g)(line)) }));
            run.federatedRemoval = { removed: new Set(removed.map(change => change.credential.id ?? change.credential.name)), postponed: false };
        }
    };
}
/**
 * Back on `credential: certificate`, the federated credentials stay until a run's certificate
 * has signed in (verified): until then jobs not yet switched may need them, and the certificate
 * path is not proven (`verify: false`, or stored without signing in within the timeout).
 */
function federatedRemovalPostponed(run, removals) {
    const why = run.settings.verify.enabled
        ? 'the certificate this run holds did not sign in (or nothing was verified)'
        : "'verify' is false, so the certificate this run holds was not verified";
    return (0,printable/* printable */.g)(`Not removing ${removals.length === 1 ? 'the federated credential' : `${removals.length} federated credentials`} this pipeline no longer wants (credential: certificate) yet: ${why}, and jobs must not lose their federated sign-in before the certificate is proven. The next run whose certificate signs in (verify: true) removes ${removals.length === 1 ? 'it' : 'them'}: ${removals.map(change => `${change.credential.name} (subject '${change.credential.subject}')`).join(', ')}. Until then jobs with ${removals.length === 1 ? 'its subject' : 'those subjects'} can still sign in as app ${run.plan.app.appId ?? ''}.`);
}
/** Verifies as a job will, when something changed and this job is one the app trusts. */
async function verifyFederatedIfChanged(settings, plan, applied, trusted, canSignIn, assertion) {
    if (!settings.verify.enabled || plan.phases.length === 0)
        return undefined;
    if (!canSignIn) {
        core/* info */.pq((0,printable/* printable */.g)(`Not verifying: this job's GitHub OIDC token (${trusted.job?.subject === undefined ? 'none: the job has no id-token: write permission' : `subject '${trusted.job.subject}'`}) is not one the app trusts, so it cannot sign in as the app. Jobs with the subjects ${trusted.federation.subjects.map(subject => `'${subject}'`).join(', ')} can.`));
        return undefined;
    }
    return core/* group */.Os('Verifying sign-in to Exchange Online with this job\'s GitHub OIDC token', async () => {
        const result = await verifyFederatedExchangeAccess(settings, {
            tenantId: settings.tenantId ?? '',
            appId: applied.app.appId,
            roles: settings.roles,
            assertion: async () => (await assertion()).token
        });
        if (result.ok) {
            core/* info */.pq(`Verified: a token from this job's GitHub OIDC token carries Exchange.ManageAsApp${settings.roles.length > 0 ? ` and ${settings.roles.map(r => r.displayName).join(', ')}` : ''} (after ${Math.round(result.waitedMs / 1000)} s).`);
        }
        else if (result.signedIn) {
            core/* warning */.$e(`After ${verifyWaitSeconds(settings)} s the Exchange Online token still lacks: ${result.missing.join('; ')}. Entra can take up to 15 minutes to apply consent and role changes; rerun this workflow later to confirm.`, { title: 'Exchange Online access not yet in effect' });
        }
        return result;
    });
}
/**
 * Runs a promise now and hands its outcome over later, without an unhandled rejection
 * in between: a failure is thrown where the value is awaited.
 */
function settled(promise) {
    const outcome = promise.then(value => ({ ok: true, value }), (error) => ({ ok: false, error }));
    return {
        value: async () => {
            const result = await outcome;
            if (!result.ok)
                throw result.error;
            return result.value;
        }
    };
}
/** GitHub OIDC tokens for the Exchange app's sign-in, reused while they have two minutes left. */
function reusableGitHubIdToken(audience) {
    let cached;
    return async () => {
        if (cached?.expiresAt !== undefined && cached.expiresAt.getTime() - 120_000 > Date.now())
            return cached;
        cached = await (0,github_oidc/* requestGitHubIdToken */.zl)(audience, "This job cannot request a GitHub OIDC token: give it `permissions: id-token: write`.");
        return cached;
    };
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
