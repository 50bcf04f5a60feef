/**
 * Holds every request the emulated Graph and GitHub receive to the publishers' API
 * descriptions (trimmed copies in emulator/descriptions/): counts what it checked, records
 * what the descriptions reject, and answers such a request as the real service answers an
 * invalid one — Graph 400 BadRequest naming the rule, GitHub 404 for a route it does not
 * have and 422 "Invalid request." for parameters or a body its schema refuses.
 *
 * A violation is a defect in whoever sent the request, so `emulator.close()` rejects while
 * there are more (or fewer) than a test declared with `expect(n)`.
 */
import type { EmulatorRequest, EmulatorResponse } from '../http.js'
import { badRequest, graphErrorResponse } from '../graph/errors.js'
import { graphCsdlModel } from './csdl-model.js'
import { gitHubDescription } from './github-request.js'
import { checkGraphRequest, type CheckedRequest } from './graph-request.js'

export type CheckedService = 'graph' | 'github'

export interface ApiViolation {
  service: CheckedService
  method: string
  /** Path and query as sent (a $batch step: its own URL under /v1.0). */
  path: string
  /** The id of the $batch step, when the request was one. */
  batchStep?: string
  /** Each rule the request breaks, as a sentence. */
  rules: string[]
}

export interface ApiChecksSnapshot {
  checked: { graph: number; github: number }
  expected: number
  violations: ApiViolation[]
}

const GITHUB_DOCS = 'https://docs.github.com/rest'

export class ApiChecks {
  readonly checked = { graph: 0, github: 0 }
  readonly violations: ApiViolation[] = []
  private expectedViolations = 0

  /** Declares `count` more requests a test sends on purpose that the descriptions reject. */
  expect(count = 1): void {
    this.expectedViolations += count
  }

  get expected(): number {
    return this.expectedViolations
  }

  /** Checks a Graph request or $batch step: undefined when the description accepts it, else Graph's 400. */
  graph(req: EmulatorRequest, batchStep?: string): EmulatorResponse | undefined {
    this.checked.graph++
    const rules = checkGraphRequest(graphCsdlModel(), toChecked(req))
    if (rules.length === 0) return undefined
    this.record({ service: 'graph', method: req.method, path: req.url.pathname + req.url.search, ...(batchStep === undefined ? {} : { batchStep }), rules })
    return graphErrorResponse(badRequest(rules.join(' '), 'BadRequest'), req)
  }

  /** Checks a GitHub request: undefined when the description accepts it, else GitHub's 404 or 422. */
  github(req: EmulatorRequest): EmulatorResponse | undefined {
    this.checked.github++
    const verdict = gitHubDescription().check(toChecked(req))
    if (!verdict) return undefined
    this.record({ service: 'github', method: req.method, path: req.url.pathname + req.url.search, rules: verdict.problems })
    return verdict.status === 404
      ? { status: 404, json: { message: 'Not Found', documentation_url: GITHUB_DOCS, status: '404' } }
      : { status: 422, json: { message: `Invalid request.\n\n${verdict.problems.join('\n')}`, documentation_url: GITHUB_DOCS, status: '422' } }
  }

  /** `API descriptions: 57 requests checked (Graph v1.0 CSDL 41, GitHub REST OpenAPI 16), 0 violations.` */
  summary(): string {
    const { graph, github } = this.checked
    const n = this.violations.length
    return `API descriptions: ${graph + github} requests checked (Graph v1.0 CSDL ${graph}, GitHub REST OpenAPI ${github}), ${n} violation${n === 1 ? '' : 's'}.`
  }

  /** An Error listing every violation when their number is not the one declared; else undefined. */
  failure(): Error | undefined {
    if (this.violations.length === this.expectedViolations) return undefined
    const lines = this.violations.map(v => `  ${v.service} ${v.method} ${v.path}${v.batchStep === undefined ? '' : ` ($batch step ${v.batchStep})`}: ${v.rules.join(' ')}`)
    return new Error(
      `The emulator received ${this.violations.length} request(s) that the API descriptions reject; ${this.expectedViolations} were declared with apiChecks.expect():\n${lines.join('\n')}`
    )
  }

  snapshot(): ApiChecksSnapshot {
    return { checked: { ...this.checked }, expected: this.expectedViolations, violations: structuredClone(this.violations) }
  }

  private record(violation: ApiViolation): void {
    this.violations.push(violation)
  }
}

function toChecked(req: EmulatorRequest): CheckedRequest {
  return { method: req.method, url: req.url, headers: req.headers, body: req.body, hasBody: req.rawBody.length > 0 }
}
