/**
 * Connect mode: the everyday job. No Graph, no network at all: it takes the certificate
 * held in secrets (already opened and checked by settings.ts), writes it for PowerShell,
 * emits the connect script, and warns well before the certificate expires.
 */
import * as core from '@actions/core'
import { daysUntil } from './certificate/index.js'
import { emitConnectFiles } from './connect-files.js'
import { UserError } from './errors.js'
import { setActionOutputs } from './report/outputs.js'
import { writeSummary } from './report/summary.js'
import type { Settings } from './settings.js'

export async function runConnect(settings: Settings, now: Date): Promise<void> {
  const held = settings.held
  const appId = settings.app.id
  const organization = settings.organization
  // settings.ts guarantees these in connect mode; this keeps the types honest.
  if (held === undefined || appId === undefined || organization === undefined) {
    throw new UserError("Connect mode needs 'pfx-base64', 'app-id' and 'organization'.")
  }

  const daysLeft = daysUntil(held.notAfter, now)
  const notes: string[] = []
  if (daysLeft <= settings.rotateBeforeDays) {
    const message = `The Exchange Online certificate ${held.thumbprint} expires in ${daysLeft} day(s), on ${held.notAfter.toISOString()}. Run this action in provision mode with the held certificate (the scheduled rotation workflow) to renew it before jobs start failing.`
    core.warning(message, { title: 'Exchange Online certificate expires soon' })
    notes.push(message)
  }

  const files = await emitConnectFiles(settings, held, { appId, organization })
  core.info(`Certificate ${held.thumbprint} (expires ${held.notAfter.toISOString()}, ${daysLeft} days left) for app ${appId} in ${organization}.`)
  core.info(`Connect script: ${files.scriptPath} — dot-source it in a pwsh step: . '${files.scriptPath}'`)

  setActionOutputs({
    appId,
    tenantId: settings.tenantId,
    organization,
    certificate: held,
    pfx: { base64: held.pfxBase64, password: held.pfxPassword, path: files.pfxPath },
    connectScript: files.scriptPath,
    rotated: false,
    changes: []
  })
  await writeSummary({
    title: 'Exchange Online: ready to connect',
    app: { id: appId },
    tenantId: settings.tenantId,
    organization,
    certificate: { thumbprint: held.thumbprint, notAfter: held.notAfter, daysLeft },
    connectScript: files.scriptPath,
    notes
  })
}
