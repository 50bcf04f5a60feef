/**
 * action.yml is the action's public contract (../shared/INTERFACE.md). These tests keep it
 * complete, keep the runtime right, and run the action and workflow schemas over action.yml,
 * our CI workflows and the documented examples, so a typo there fails here and not on a
 * user's runner.
 */
import { describe, expect, it } from '@jest/globals'
import actionValidator from '@action-validator/core'
import type { ValidationError } from '@action-validator/core'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, parseDocument } from 'yaml'

const root = fileURLToPath(new URL('../../', import.meta.url))
const actionYmlText = readFileSync(join(root, 'action.yml'), 'utf8')

interface ActionMetadata {
  name: string
  description: string
  branding?: { icon?: string; color?: string }
  inputs: Record<string, { description?: string; default?: unknown; required?: boolean }>
  outputs: Record<string, { description?: string }>
  runs: Record<string, string>
}
const action = parse(actionYmlText) as ActionMetadata

/**
 * The inputs of INTERFACE.md and their defaults as action.yml must write them. Defaults the
 * action computes at run time (discovered organization, current repository, the cloud's
 * hosts, `CN=<app-name>`, `$RUNNER_TEMP/...`) are empty strings: the code fills them in.
 */
const INTERFACE_INPUTS: Record<string, string> = {
  mode: 'provision',
  'tenant-id': '',
  organization: '',
  'app-id': '',
  'app-name': 'EXO Background Process',
  roles: 'Exchange Administrator',
  'client-id': '',
  'client-secret': '',
  'client-certificate': '',
  'client-certificate-password': '',
  audience: 'api://AzureADTokenExchange',
  cloud: 'global',
  'authority-host': '',
  'graph-endpoint': '',
  'cert-validity-days': '365',
  'cert-key-size': '2048',
  'cert-subject': '',
  'pfx-encryption': 'aes256',
  'rotate-before-days': '30',
  'pfx-base64': '',
  'pfx-password': '',
  'secret-target': 'none',
  'secret-environment': '',
  'secret-prefix': 'EXO_',
  'github-token': '',
  repository: '',
  verify: 'true',
  'verify-timeout-seconds': '180',
  'dry-run': 'false',
  'connect-script-path': '',
  'connect-ippssession': 'false'
}

/**
 * Inputs added beyond INTERFACE.md, with the reason: organization secrets (issue 5; no
 * default visibility since issue 16), the federated credential (issue 14), repairing a
 * stored set and revoking earlier certificates (issue 16), the jobs' own audience and the
 * opt-in to trust unprotected subjects (issue 21).
 */
const ADDED_INPUTS: Record<string, string> = {
  'secret-visibility': '',
  'secret-repositories': '',
  credential: 'certificate',
  'federated-subjects': '',
  'federated-issuer': '',
  'federated-audience': '',
  'federated-allow-unprotected-subjects': 'false',
  repair: 'false',
  'revoke-previous': '24'
}

/** Outputs added beyond INTERFACE.md (issue 14): which credential, and the federated access token's file and expiry. */
const ADDED_OUTPUTS = ['credential', 'access-token-path', 'access-token-expires-on']

const INTERFACE_OUTPUTS = [
  'app-id',
  'app-object-id',
  'service-principal-id',
  'tenant-id',
  'organization',
  'certificate-thumbprint',
  'certificate-not-after',
  'certificate-der-base64',
  'pfx-base64',
  'pfx-password',
  'pfx-path',
  'connect-script',
  'rotated',
  'changes'
]

/** Inputs that carry credentials: their descriptions must tell users to pass them from secrets. */
const SECRET_INPUTS = [
  'client-secret',
  'client-certificate',
  'client-certificate-password',
  'pfx-base64',
  'pfx-password',
  'github-token'
]

function describeErrors(errors: ValidationError[]): string {
  return JSON.stringify(errors, null, 2)
}

/**
 * @action-validator/core 0.6.0 (the latest release) carries a SchemaStore snapshot whose
 * `runs.using` enum stops at node20, although GitHub runs node24 actions. So the action is
 * validated with `using` swapped for node20 (every other key is still checked by the schema),
 * and node24 itself is asserted separately below. The test "still needs the node24
 * workaround" fails once the validator catches up, so the swap can then be removed.
 */
function validateActionMetadata(text: string): ValidationError[] {
  const document = parseDocument(text)
  if (document.getIn(['runs', 'using']) === 'node24') {
    document.setIn(['runs', 'using'], 'node20')
  }
  return actionValidator.validateAction(document.toString()).errors
}

function validateWorkflow(text: string): ValidationError[] {
  return actionValidator.validateWorkflow(text).errors
}

function yamlFilesIn(folder: string): string[] {
  return readdirSync(join(root, folder))
    .filter(name => name.endsWith('.yml') || name.endsWith('.yaml'))
    .map(name => join(folder, name))
}

describe('action.yml declares the public interface', () => {
  it('declares exactly the inputs of INTERFACE.md plus the organization-secret inputs', () => {
    const expected = { ...INTERFACE_INPUTS, ...ADDED_INPUTS }
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(expected).sort())
  })

  it.each(Object.entries({ ...INTERFACE_INPUTS, ...ADDED_INPUTS }))(
    'input %s defaults to %j',
    (name, expectedDefault) => {
      // The runner passes defaults as strings; a YAML number or boolean would still work but
      // would hide typos such as `default: yes`, so every default is written as a string.
      expect(action.inputs[name]?.default).toBe(expectedDefault)
    }
  )

  it('the reliability fuzzer and bad-input matrix know every input (scripts/reliability/fuzz.ts ACTION_INPUTS)', async () => {
    const { ACTION_INPUTS } = await import('../../scripts/reliability/fuzz.js')
    expect([...ACTION_INPUTS].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('describes every input and marks none as required (modes need different inputs; the code checks them)', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect({ name, description: (input.description ?? '').trim().length > 20 }).toEqual({ name, description: true })
      expect({ name, required: input.required ?? false }).toEqual({ name, required: false })
    }
  })

  it('says which inputs are secrets', () => {
    for (const name of SECRET_INPUTS) {
      expect({ name, description: action.inputs[name]?.description?.trim() }).toEqual({
        name,
        description: expect.stringMatching(/^Secret\b/)
      })
    }
  })

  it('declares exactly the outputs of INTERFACE.md, each described', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...INTERFACE_OUTPUTS, ...ADDED_OUTPUTS].sort())
    for (const [name, output] of Object.entries(action.outputs)) {
      expect({ name, described: (output.description ?? '').trim().length > 10 }).toEqual({ name, described: true })
    }
    expect(action.outputs['pfx-base64']?.description).toMatch(/masked/i)
    expect(action.outputs['pfx-password']?.description).toMatch(/masked/i)
  })

  it('runs on node24 with a main entry and a post step that always cleans up', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/cleanup.js',
      'post-if': 'always()'
    })
  })

  it('has a name, a description and Marketplace branding', () => {
    expect(action.name).toMatch(/Exchange Online/)
    expect(action.description.length).toBeGreaterThan(40)
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) })
  })
})

describe('schema validation (@action-validator/core)', () => {
  it('accepts action.yml', () => {
    const errors = validateActionMetadata(actionYmlText)
    expect(describeErrors(errors)).toBe('[]')
  })

  it('still needs the node24 workaround (remove validateActionMetadata once this fails)', () => {
    const errors = actionValidator.validateAction(actionYmlText).errors
    expect(errors.map(error => ('path' in error ? error.path : error.code))).toEqual(['/runs'])
  })

  const workflows = yamlFilesIn('.github/workflows')
  const examples = yamlFilesIn('docs/examples')

  it('finds the CI workflows and the five documented examples', () => {
    expect(workflows.sort()).toEqual(['.github/workflows/check-dist.yml', '.github/workflows/ci.yml'])
    expect(examples.sort()).toEqual(
      ['bootstrap.yml', 'everyday.yml', 'federated.yml', 'many-tenants.yml', 'rotation.yml'].map(name => join('docs/examples', name))
    )
  })

  it.each([...workflows, ...examples])('accepts %s', file => {
    const errors = validateWorkflow(readFileSync(join(root, file), 'utf8'))
    expect(describeErrors(errors)).toBe('[]')
  })

  it('rejects a workflow with an unknown key (the validator really checks)', () => {
    const typo = ['on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    step:', '      - run: echo hi', ''].join('\n')
    const errors = validateWorkflow(typo)
    expect(errors.length).toBeGreaterThan(0)
    expect(describeErrors(errors)).toMatch(/step/)
  })

  it('rejects an action.yml with an unknown key or an icon GitHub does not offer', () => {
    const unknownKey = validateActionMetadata(actionYmlText.replace(/^inputs:/m, 'input:'))
    expect(describeErrors(unknownKey)).toMatch(/input/)
    // `key` is a Feather icon but not one of the icons GitHub allows for branding.
    const badIcon = validateActionMetadata(actionYmlText.replace(/^(\s+icon:).*$/m, '$1 key'))
    expect(describeErrors(badIcon)).toMatch(/\/branding\/icon/)
  })
})

describe('examples use the action the way the contract says', () => {
  interface Step {
    uses?: string
    with?: Record<string, unknown>
  }
  function actionSteps(file: string): Step[] {
    const workflow = parse(readFileSync(join(root, file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }
    return Object.values(workflow.jobs)
      .flatMap(job => job.steps)
      .filter(step => step.uses === 'org/exo-cba-action@v1' || step.uses === './')
  }

  it.each(['docs/examples/bootstrap.yml', 'docs/examples/everyday.yml', 'docs/examples/rotation.yml', 'docs/examples/many-tenants.yml', 'docs/examples/federated.yml', '.github/workflows/ci.yml'])(
    '%s passes only inputs that action.yml declares',
    file => {
      const steps = actionSteps(file)
      expect(steps.length).toBeGreaterThan(0)
      for (const step of steps) {
        const unknown = Object.keys(step.with ?? {}).filter(name => !(name in action.inputs))
        expect({ file, unknown }).toEqual({ file, unknown: [] })
      }
    }
  )
})

describe('workflows and examples keep the properties the docs promise', () => {
  // Workflow YAML is free-form; each test checks the exact keys it relies on.
  const load = (file: string): any => parse(readFileSync(join(root, file), 'utf8'))

  it('CI runs the action itself in connect mode and parses the emitted script with PowerShell', () => {
    const job = load('.github/workflows/ci.yml').jobs['connect-mode']
    const actionStep = job.steps.find((step: { uses?: string }) => step.uses === './')
    expect(actionStep.with.mode).toBe('connect')
    const check = job.steps.find((step: { shell?: string }) => step.shell === 'pwsh')
    expect(check.run).toContain('[System.Management.Automation.Language.Parser]::ParseFile')
    expect(check.env.ACTION_THUMBPRINT).toBe('${{ steps.exo.outputs.certificate-thumbprint }}')
  })

  it('bootstrap can sign in with GitHub OIDC and write secrets with a token other than GITHUB_TOKEN', () => {
    const workflow = load('docs/examples/bootstrap.yml')
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' })
    const step = workflow.jobs.bootstrap.steps.find((s: { uses?: string }) => s.uses === 'org/exo-cba-action@v1')
    expect(step.with['secret-target']).toBe('repository')
    expect(step.with['github-token']).not.toContain('GITHUB_TOKEN')
  })

  it('rotation runs weekly, never cancels a running rotation, and passes the held certificate', () => {
    const workflow = load('docs/examples/rotation.yml')
    expect(workflow.on.schedule).toHaveLength(1)
    expect(workflow.concurrency['cancel-in-progress']).toBe(false)
    const step = workflow.jobs.rotate.steps.find((s: { uses?: string }) => s.uses === 'org/exo-cba-action@v1')
    expect(step.with['pfx-base64']).toBe('${{ secrets.EXO_CERT_PFX_BASE64 }}')
    expect(step.with['pfx-password']).toBe('${{ secrets.EXO_CERT_PASSWORD }}')
  })

  it('federated: id-token permission for the jobs, credential: federated in both steps, no certificate input anywhere', () => {
    const workflow = load('docs/examples/federated.yml')
    expect(workflow.permissions['id-token']).toBe('write')
    const steps = Object.values(workflow.jobs as Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }>)
      .flatMap(job => job.steps)
      .filter(step => step.uses === 'org/exo-cba-action@v1')
    expect(steps.map(step => [step.with?.mode, step.with?.credential])).toEqual([['provision', 'federated'], ['connect', 'federated']])
    for (const step of steps) {
      expect(Object.keys(step.with ?? {}).filter(name => /pfx|certificate/.test(name))).toEqual([])
    }
    expect(workflow.jobs.report.environment).toBe('prod')
    expect(steps[0].with?.['federated-subjects']).toContain(':environment:prod')
  })

  it('many tenants: one environment per matrix tenant, bounded parallelism', () => {
    const job = load('docs/examples/many-tenants.yml').jobs.report
    expect(job.environment).toBe('${{ matrix.tenant }}')
    expect(job.strategy['max-parallel']).toBeGreaterThan(0)
    expect(job.strategy.matrix.tenant.length).toBeGreaterThan(1)
  })
})
