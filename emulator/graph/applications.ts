/**
 * /applications: list, get (by id, appId or uniqueName), create, update, upsert
 * (`Prefer: create-if-missing`), delete, addKey, owners and federatedIdentityCredentials.
 */
import { randomUUID } from 'node:crypto'
import { decodeJwt, nowSeconds, verifyJwtSignature } from '../jwt.js'
import type { ApplicationRecord, FederatedCredentialRecord, KeyCredentialRecord, RequiredResourceAccess, Tenant } from '../tenant.js'
import { parseCertificate } from '../x509.js'
import { requireAppCreate, requireAppRead, requireAppWrite, type Caller } from './auth.js'
import {
  bodyObject, collection, entity, isGuid, noContent, ok, parseKeySegment, selectsKeyCredentials,
  type GraphContext, type GraphRequest, type Reply
} from './context.js'
import { badRequest, GraphError, headerValue, notFound } from './errors.js'
import { declaredProperty, parseFilter } from './odata.js'
import { applicationJson, directoryObjectJson, federatedCredentialJson, keyCredentialJson } from './serialize.js'

/** The `aud` of an addKey proof-of-possession token. */
const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000'
const PROOF_MAX_LIFETIME_SECONDS = 600
const SIGN_IN_AUDIENCES = ['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']
/**
 * Read-only properties of application (its resource page, "Read-only." in each row): the
 * CSDL declares them like any other, so the description accepts them in a body; Graph's
 * directory refuses to set them.
 */
const READ_ONLY = new Set(['id', 'appId', 'createdDateTime', 'publisherDomain', 'deletedDateTime', 'applicationTemplateId', 'disabledByMicrosoftStatus', 'verifiedPublisher', 'createdByAppId'])

export function handleApplications(ctx: GraphContext, req: GraphRequest, key: { name: string; value: string } | undefined, rest: string[]): Reply | undefined {
  const { tenant } = ctx
  if (!key) {
    if (rest.length > 0) return undefined
    if (req.method === 'GET') return listApplications(ctx, req)
    if (req.method === 'POST') return createApplication(ctx, req)
    return undefined
  }

  if (rest.length === 0 && req.method === 'PATCH' && key.name === 'uniqueName' && preferCreateIfMissing(req)) {
    return upsertApplication(ctx, req, key.value)
  }

  const app = findApplication(tenant, key)
  if (!app) throw notFound(key.value)

  if (rest.length === 0) {
    if (req.method === 'GET') {
      requireAppRead(req.caller, app)
      return entity(ctx, req, 'applications', 'application', applicationJson(app, selectsKeyCredentials(req.query)))
    }
    if (req.method === 'PATCH') {
      requireAppWrite(req.caller, app)
      applyApplicationPatch(tenant, app, bodyObject(req), false)
      return noContent()
    }
    if (req.method === 'DELETE') {
      requireAppWrite(req.caller, app)
      deleteApplication(tenant, app)
      return noContent()
    }
    return undefined
  }

  const [sub, subId, ...more] = rest
  if ((sub === 'addKey' || sub === 'microsoft.graph.addKey') && rest.length === 1 && req.method === 'POST') return addKey(tenant, app, bodyObject(req))
  if (sub === 'owners') return owners(ctx, req, app, rest.slice(1))
  // federatedIdentityCredentials/{id or name}, or federatedIdentityCredentials(name='…') (its alternate key).
  const fic = parseKeySegment(sub)
  if (fic.set === 'federatedIdentityCredentials' && fic.key && rest.length === 1) {
    if (fic.key.name !== 'name' && fic.key.name !== 'id') throw badRequest(`'${fic.key.name}' is not a key of federatedIdentityCredential; use id or name.`)
    return federatedCredentials(ctx, req, app, fic.key.value)
  }
  if (sub === 'federatedIdentityCredentials' && more.length === 0) return federatedCredentials(ctx, req, app, subId)
  return undefined
}

function findApplication(tenant: Tenant, key: { name: string; value: string }): ApplicationRecord | undefined {
  switch (key.name) {
    case 'id':
      if (!isGuid(key.value)) throw badRequest(`Invalid object identifier '${key.value}'.`)
      return tenant.applicationById(key.value)
    case 'appId': return tenant.applicationByAppId(key.value)
    case 'uniqueName': return tenant.applicationByUniqueName(key.value)
    default: throw badRequest(`'${key.name}' is not an alternate key of application; use id, appId or uniqueName.`)
  }
}

function listApplications(ctx: GraphContext, req: GraphRequest): Reply {
  requireAppRead(req.caller)
  const includeKeys = selectsKeyCredentials(req.query)
  let items = [...ctx.tenant.applications.values()].filter(a => ctx.tenant.isVisible(a)).map(a => applicationJson(a, includeKeys))
  const filter = req.query.get('$filter')
  if (filter) {
    const predicate = parseFilter(filter)
    items = items.filter(predicate)
  }
  return collection(ctx, req, 'applications', 'application', items)
}

function preferCreateIfMissing(req: GraphRequest): boolean {
  const prefer = headerValue(req, 'prefer') ?? ''
  return prefer.split(',').some(p => p.trim().toLowerCase() === 'create-if-missing')
}

function createApplication(ctx: GraphContext, req: GraphRequest): Reply {
  requireAppCreate(req.caller)
  const body = bodyObject(req)
  const app = newApplication(ctx.tenant, req.caller, body, typeof body.uniqueName === 'string' ? body.uniqueName : undefined)
  return created(ctx, req, app)
}

/** PATCH applications(uniqueName='x') with Prefer: create-if-missing: 201 + object, or 204. */
function upsertApplication(ctx: GraphContext, req: GraphRequest, uniqueName: string): Reply {
  const body = bodyObject(req)
  // Writes go to the primary: an app that is not yet readable still exists for an upsert.
  const existing = ctx.tenant.applicationByUniqueName(uniqueName, true)
  if (existing) {
    requireAppWrite(req.caller, existing)
    applyApplicationPatch(ctx.tenant, existing, body, false)
    return noContent()
  }
  requireAppCreate(req.caller)
  if (body.uniqueName !== undefined && body.uniqueName !== uniqueName) {
    throw badRequest(`The uniqueName '${String(body.uniqueName)}' in the body does not match the uniqueName '${uniqueName}' in the URL.`)
  }
  const app = newApplication(ctx.tenant, req.caller, body, uniqueName)
  return created(ctx, req, app)
}

function newApplication(tenant: Tenant, caller: Caller, body: Record<string, unknown>, uniqueName: string | undefined): ApplicationRecord {
  if (typeof body.displayName !== 'string' || body.displayName.trim() === '') {
    throw badRequest("Invalid value specified for property 'displayName' of resource 'Application'.")
  }
  if (uniqueName !== undefined && tenant.applicationByUniqueName(uniqueName, true)) {
    throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', `Another object with the same value for property uniqueName already exists.`)
  }
  // Validate the whole body before anything is stored.
  const draft = tenant.createApplication({ displayName: body.displayName, uniqueName, owners: [caller.servicePrincipalId] })
  try {
    applyApplicationPatch(tenant, draft, body, true)
  } catch (err) {
    tenant.applications.delete(draft.id)
    throw err
  }
  return draft
}

function created(ctx: GraphContext, req: GraphRequest, app: ApplicationRecord): Reply {
  const reply = entity(ctx, { ...req, query: new URLSearchParams() }, 'applications', 'application', applicationJson(app, false), 201)
  reply.headers = { location: `${ctx.root}/directoryObjects/${app.id}/Microsoft.DirectoryServices.Application` }
  return reply
}

/**
 * Applies a PATCH body all-or-nothing. keyCredentials REPLACES the collection: the
 * description only says a PATCH sets this Collection(keyCredential) property; Microsoft's
 * "Add a certificate to an app" (microsoft-graph-docs-contrib
 * concepts/applications-how-to-add-certificate.md) says the request replaces the existing
 * certificates, so every one to keep is sent again (FACTS.md).
 */
export function applyApplicationPatch(tenant: Tenant, app: ApplicationRecord, body: Record<string, unknown>, creating: boolean): void {
  const next: Partial<ApplicationRecord> = {}
  const extra: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@odata.')) continue
    switch (name) {
      case 'displayName':
        if (typeof value !== 'string' || value.trim() === '') throw badRequest("Invalid value specified for property 'displayName' of resource 'Application'.")
        next.displayName = value
        break
      case 'description':
      case 'notes':
        if (value !== null && typeof value !== 'string') throw badRequest(`Invalid value specified for property '${name}' of resource 'Application'.`)
        next[name] = value
        break
      case 'signInAudience':
        if (typeof value !== 'string' || !SIGN_IN_AUDIENCES.includes(value)) throw badRequest("Invalid value specified for property 'signInAudience' of resource 'Application'.")
        next.signInAudience = value
        break
      case 'tags':
      case 'identifierUris':
        if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) throw badRequest(`Invalid value specified for property '${name}' of resource 'Application'.`)
        next[name] = [...value]
        break
      case 'requiredResourceAccess':
        next.requiredResourceAccess = parseRequiredResourceAccess(value)
        break
      case 'keyCredentials':
        next.keyCredentials = replaceKeyCredentials(tenant, app, value)
        break
      case 'uniqueName':
        if (!creating && value !== app.uniqueName) {
          throw badRequest("Property 'uniqueName' is immutable: it can only be set when the application is created.")
        }
        break
      case 'passwordCredentials':
        // application-update.md: "Using PATCH to set passwordCredential is not supported."
        throw badRequest("Property 'passwordCredentials' cannot be updated with PATCH; use the addPassword and removePassword actions.")
      default:
        if (READ_ONLY.has(name)) throw badRequest(`Property '${name}' is read-only and cannot be set.`)
        // Every other property the description declares is stored as sent. application is an
        // open type, but its dynamic properties are registered directory extension attributes
        // (extension_{appId}_{name}); none are registered here, so any other name is refused
        // as Graph refuses it.
        if (!declaredProperty('application', name)) throw badRequest(`Property '${name}' does not exist as a declared property or extension property.`)
        extra[name] = structuredClone(value)
    }
  }
  Object.assign(app, next)
  Object.assign(app.extra, extra)
  if (next.displayName) {
    for (const sp of tenant.servicePrincipals.values()) if (sp.appId === app.appId) sp.displayName = next.displayName
  }
}

function parseRequiredResourceAccess(value: unknown): RequiredResourceAccess[] {
  const invalid = () => badRequest("Invalid value specified for property 'requiredResourceAccess' of resource 'Application'.")
  if (!Array.isArray(value)) throw invalid()
  return value.map(entry => {
    if (!entry || typeof entry !== 'object') throw invalid()
    const { resourceAppId, resourceAccess } = entry as Record<string, unknown>
    if (!isGuid(resourceAppId) || !Array.isArray(resourceAccess)) throw invalid()
    return {
      resourceAppId,
      resourceAccess: resourceAccess.map(access => {
        const { id, type } = (access ?? {}) as Record<string, unknown>
        if (!isGuid(id) || (type !== 'Role' && type !== 'Scope')) throw invalid()
        return { id, type }
      })
    }
  })
}

/** The new keyCredentials collection; keys already there keep their replication state. */
function replaceKeyCredentials(tenant: Tenant, app: ApplicationRecord, value: unknown): KeyCredentialRecord[] {
  if (!Array.isArray(value)) throw badRequest("Invalid value specified for property 'keyCredentials' of resource 'Application'.")
  const seen = new Set<string>()
  return value.map(entry => {
    const record = validateKeyCredential(tenant, entry)
    if (seen.has(record.keyId)) throw badRequest(`Key credentials with duplicate keyId '${record.keyId}' are not allowed.`)
    seen.add(record.keyId)
    const existing = app.keyCredentials.find(k => k.keyId === record.keyId && k.key === record.key)
    if (existing) record.visibleAt = existing.visibleAt
    return record
  })
}

function validateKeyCredential(tenant: Tenant, entry: unknown): KeyCredentialRecord {
  if (!entry || typeof entry !== 'object') throw badRequest("Invalid value specified for property 'keyCredentials' of resource 'Application'.")
  const k = entry as Record<string, unknown>
  if (k.type !== 'AsymmetricX509Cert') throw badRequest("Invalid value specified for property 'type' of resource 'KeyCredential'.")
  if (k.usage !== 'Verify') throw badRequest("Invalid value specified for property 'usage' of resource 'KeyCredential'.")
  if (typeof k.key !== 'string' || k.key === '') {
    throw badRequest("Invalid value specified for property 'key' of resource 'KeyCredential'. The key is required: send the base64 DER certificate of every key credential to keep (GET it with $select=keyCredentials).")
  }
  const key = k.key.replace(/\s+/g, '')
  const cert = parseCertificate(key)
  if (!cert) throw badRequest('Invalid certificate: Key value is invalid certificate')
  if (k.keyId !== undefined && k.keyId !== null && !isGuid(k.keyId)) throw badRequest("Invalid value specified for property 'keyId' of resource 'KeyCredential'.")
  if (k.displayName !== undefined && k.displayName !== null && (typeof k.displayName !== 'string' || k.displayName.length > 90)) {
    throw badRequest("Invalid value specified for property 'displayName' of resource 'KeyCredential'.")
  }
  const record = tenant.keyCredentialFromCertificate(key, {
    keyId: typeof k.keyId === 'string' ? k.keyId.toLowerCase() : undefined,
    displayName: typeof k.displayName === 'string' ? k.displayName : undefined
  })
  if (k.customKeyIdentifier !== undefined && k.customKeyIdentifier !== null) record.customKeyIdentifier = String(k.customKeyIdentifier)
  // Dates may narrow the certificate's validity, never widen it.
  if (k.startDateTime !== undefined && k.startDateTime !== null) {
    const start = Date.parse(String(k.startDateTime))
    if (Number.isNaN(start) || start < cert.notBefore.getTime() - 1000) throw badRequest('Key credential start date is invalid: it must not be before the certificate is valid.')
    record.startDateTime = new Date(start).toISOString()
  }
  if (k.endDateTime !== undefined && k.endDateTime !== null) {
    const end = Date.parse(String(k.endDateTime))
    if (Number.isNaN(end) || end > cert.notAfter.getTime() + 1000) throw badRequest('Key credential end date is invalid: it must not be after the certificate expires.')
    record.endDateTime = new Date(end).toISOString()
  }
  return record
}

/**
 * addKey: adds a certificate, proving possession of a current one with a JWT signed by
 * it (aud 00000002-0000-0000-c000-000000000000, iss = the application's object id,
 * at most 10 minutes between nbf and exp). Needs no Graph permission.
 */
function addKey(tenant: Tenant, app: ApplicationRecord, body: Record<string, unknown>): Reply {
  if (typeof body.proof !== 'string') throw badRequest("The request body must contain the 'proof' parameter: a JWT signed by a current certificate of the application.")
  if (!body.keyCredential || typeof body.keyCredential !== 'object') throw badRequest("The request body must contain the 'keyCredential' parameter.")
  const proof = decodeJwt(body.proof)
  if (!proof) throw badRequest('The proof of possession token is not a valid JWT.')
  const now = Date.now()
  const current = app.keyCredentials.filter(k =>
    tenant.isVisible(k) && Date.parse(k.startDateTime) <= now && Date.parse(k.endDateTime) > now)
  if (current.length === 0) {
    throw badRequest(`Application '${app.appId}' has no valid certificate to verify the proof of possession with; addKey only works while a current certificate exists.`)
  }
  if (!current.some(k => verifyJwtSignature(proof, parseCertificate(k.key)!.publicKey))) {
    throw badRequest('The proof of possession token signature could not be verified with any current certificate of the application.')
  }
  const { aud, iss } = proof.claims
  const nbf = typeof proof.claims.nbf === 'string' && /^\d+$/.test(proof.claims.nbf) ? Number(proof.claims.nbf) : proof.claims.nbf
  const exp = typeof proof.claims.exp === 'string' && /^\d+$/.test(proof.claims.exp) ? Number(proof.claims.exp) : proof.claims.exp
  if (aud !== PROOF_AUDIENCE) throw badRequest(`The proof of possession token audience '${String(aud)}' is invalid; it must be '${PROOF_AUDIENCE}'.`)
  if (iss !== app.id) throw badRequest(`The proof of possession token issuer '${String(iss)}' is invalid; it must be the application object id '${app.id}'.`)
  if (typeof nbf !== 'number' || typeof exp !== 'number') throw badRequest('The proof of possession token must have nbf and exp claims.')
  if (exp - nbf > PROOF_MAX_LIFETIME_SECONDS) throw badRequest('The proof of possession token lifetime is too long: exp must be at most 10 minutes after nbf.')
  const seconds = nowSeconds()
  if (seconds < nbf - 300 || seconds > exp + 300) throw badRequest('The proof of possession token is expired or not yet valid.')
  const record = validateKeyCredential(tenant, body.keyCredential)
  if (app.keyCredentials.some(k => k.keyId === record.keyId)) throw badRequest(`A key credential with keyId '${record.keyId}' already exists.`)
  app.keyCredentials.push(record)
  return ok({ '@odata.context': `$metadata#microsoft.graph.keyCredential`, ...keyCredentialJson(record, false) })
}

function owners(ctx: GraphContext, req: GraphRequest, app: ApplicationRecord, rest: string[]): Reply | undefined {
  const { tenant } = ctx
  if (rest.length === 0 && req.method === 'GET') {
    requireAppRead(req.caller, app)
    return collection(ctx, req, 'directoryObjects', 'directoryObject', app.owners.map(id => directoryObjectJson(id, tenant)))
  }
  if (rest.length === 1 && rest[0] === '$ref' && req.method === 'POST') {
    requireAppWrite(req.caller, app)
    const ref = bodyObject(req)['@odata.id']
    const id = typeof ref === 'string' ? ref.split('/').pop() : undefined
    if (!id || !isGuid(id)) throw badRequest("The request body must contain '@odata.id' with the directory object's URL.")
    if (!tenant.servicePrincipalById(id)) throw notFound(id)
    if (app.owners.includes(id)) {
      throw badRequest("One or more added object references already exist for the following modified properties: 'owners'.")
    }
    app.owners.push(id)
    return noContent()
  }
  if (rest.length === 2 && rest[1] === '$ref' && req.method === 'DELETE') {
    requireAppWrite(req.caller, app)
    if (!app.owners.includes(rest[0])) throw notFound(rest[0])
    app.owners = app.owners.filter(o => o !== rest[0])
    return noContent()
  }
  return undefined
}

function federatedCredentials(ctx: GraphContext, req: GraphRequest, app: ApplicationRecord, id: string | undefined): Reply | undefined {
  const { tenant } = ctx
  const set = `applications('${app.id}')/federatedIdentityCredentials`
  if (id === undefined && req.method === 'GET') {
    requireAppRead(req.caller, app)
    let items = app.federatedIdentityCredentials.filter(f => tenant.isVisible(f)).map(federatedCredentialJson)
    const filter = req.query.get('$filter')
    if (filter) items = items.filter(parseFilter(filter))
    return collection(ctx, req, set, 'federatedIdentityCredential', items)
  }
  const create = (body: Record<string, unknown>): Reply => {
    for (const field of ['name', 'issuer', 'subject'] as const) {
      if (typeof body[field] !== 'string' || body[field] === '') throw badRequest(`Invalid value specified for property '${field}' of resource 'FederatedIdentityCredential'.`)
    }
    if (!Array.isArray(body.audiences) || body.audiences.length !== 1 || typeof body.audiences[0] !== 'string') {
      throw badRequest("Invalid value specified for property 'audiences' of resource 'FederatedIdentityCredential'.")
    }
    // Entra's rules (workload-id federated-credential-configuration-considerations.md): name of
    // 3-120 characters, letters, digits, '-' and '_', starting with a letter or digit; issuer and
    // subject unique on the app; at most 20 per application.
    if (body.description !== undefined && body.description !== null && (typeof body.description !== 'string' || body.description.length > FEDERATED_DESCRIPTION_MAX)) {
      throw badRequest("Invalid value specified for property 'description' of resource 'FederatedIdentityCredential'.")
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/.test(String(body.name))) {
      throw badRequest(`Invalid value specified for property 'name' of resource 'FederatedIdentityCredential': 3-120 characters, letters, digits, '-' and '_', starting with a letter or digit.`)
    }
    if (app.federatedIdentityCredentials.some(f => f.name.toLowerCase() === String(body.name).toLowerCase())) {
      throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', `FederatedIdentityCredential with name ${String(body.name)} already exists.`)
    }
    if (app.federatedIdentityCredentials.some(f => f.issuer === body.issuer && f.subject === body.subject)) {
      throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', `FederatedIdentityCredential with the same issuer and subject already exists.`)
    }
    if (app.federatedIdentityCredentials.length >= 20) {
      throw badRequest('Maximum of 20 FederatedIdentityCredentials can be added to an application.')
    }
    const fic = {
      id: randomUUID(), name: String(body.name), issuer: String(body.issuer), subject: String(body.subject),
      audiences: [String(body.audiences[0])], description: typeof body.description === 'string' ? body.description : null,
      visibleAt: tenant.visibleFrom('federatedIdentityCredentials')
    }
    app.federatedIdentityCredentials.push(fic)
    return entity(ctx, { ...req, query: new URLSearchParams() }, set, 'federatedIdentityCredential', federatedCredentialJson(fic), 201)
  }
  if (id === undefined && req.method === 'POST') {
    requireAppWrite(req.caller, app)
    return create(bodyObject(req))
  }
  if (id !== undefined) {
    const fic = app.federatedIdentityCredentials.find(f => (f.id === id || f.name === id) && tenant.isVisible(f))
    if (!fic && req.method === 'PATCH' && preferCreateIfMissing(req)) {
      // federatedidentitycredential-upsert.md: PATCH .../federatedIdentityCredentials(name='…')
      // with Prefer: create-if-missing creates it (201) with the name from the URL.
      requireAppWrite(req.caller, app)
      return create({ ...bodyObject(req), name: id })
    }
    if (!fic) throw notFound(id)
    if (req.method === 'PATCH') {
      requireAppWrite(req.caller, app)
      updateFederatedCredential(fic, bodyObject(req))
      return noContent()
    }
    if (req.method === 'GET') {
      requireAppRead(req.caller, app)
      return entity(ctx, req, set, 'federatedIdentityCredential', federatedCredentialJson(fic))
    }
    if (req.method === 'DELETE') {
      requireAppWrite(req.caller, app)
      app.federatedIdentityCredentials = app.federatedIdentityCredentials.filter(f => f !== fic)
      return noContent()
    }
  }
  return undefined
}

/** federatedidentitycredential.md: the description "has a limit of 600 characters". */
const FEDERATED_DESCRIPTION_MAX = 600

/**
 * federatedidentitycredential-update.md: issuer, subject, audiences (one value) and
 * description can change, all or nothing; the name "is immutable once created"
 * (federatedidentitycredential.md).
 */
function updateFederatedCredential(fic: FederatedCredentialRecord, body: Record<string, unknown>): void {
  const invalid = (field: string) => badRequest(`Invalid value specified for property '${field}' of resource 'FederatedIdentityCredential'.`)
  if (body.name !== undefined && body.name !== fic.name) throw badRequest("Property 'name' of a federated identity credential is immutable once created.")
  for (const field of ['issuer', 'subject'] as const) {
    if (body[field] !== undefined && (typeof body[field] !== 'string' || body[field] === '')) throw invalid(field)
  }
  if (body.audiences !== undefined && (!Array.isArray(body.audiences) || body.audiences.length !== 1 || typeof body.audiences[0] !== 'string')) throw invalid('audiences')
  if (body.description !== undefined && body.description !== null && (typeof body.description !== 'string' || body.description.length > FEDERATED_DESCRIPTION_MAX)) throw invalid('description')
  if (typeof body.issuer === 'string') fic.issuer = body.issuer
  if (typeof body.subject === 'string') fic.subject = body.subject
  if (Array.isArray(body.audiences)) fic.audiences = [String(body.audiences[0])]
  if (body.description !== undefined) fic.description = body.description as string | null
}

function deleteApplication(tenant: Tenant, app: ApplicationRecord): void {
  tenant.applications.delete(app.id)
  // Deleting an app removes its service principal in the home tenant, and with it its grants.
  for (const sp of [...tenant.servicePrincipals.values()]) {
    if (sp.appId !== app.appId) continue
    tenant.servicePrincipals.delete(sp.id)
    removeWhere(tenant.appRoleAssignments, a => a.principalId === sp.id || a.resourceId === sp.id)
    removeWhere(tenant.roleAssignments, a => a.principalId === sp.id)
  }
}

export function removeWhere<T>(list: T[], predicate: (item: T) => boolean): void {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i])) list.splice(i, 1)
}
