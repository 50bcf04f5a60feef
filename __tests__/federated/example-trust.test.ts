/**
 * Issue 21, point 1: the documented federated example trusts environment subjects only. A
 * branch subject beside an environment would let a job on that branch that names no
 * environment sign in without the environment's required reviewers.
 */
import { expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { projectRoot } from '../../scripts/lib/local-runner.js'
import { scopeOfSubject } from '../../src/entra/subject-scope.js'

interface Step { uses?: string; with?: Record<string, string> }

it('docs/examples/federated.yml trusts the environment only, and its connecting job runs in that environment', () => {
  const workflow = parse(readFileSync(join(projectRoot, 'docs', 'examples', 'federated.yml'), 'utf8')) as { jobs: Record<string, { environment?: string; steps: Step[] }> }
  const steps = Object.values(workflow.jobs).flatMap(job => job.steps.map(step => ({ job, step })))
  const provision = steps.filter(({ step }) => step.with?.mode === 'provision' && step.with?.credential === 'federated')
  expect(provision).toHaveLength(1)
  const subjects = (provision[0].step.with?.['federated-subjects'] ?? '').split(/[\n,]/).map(s => s.trim()).filter(Boolean)
  expect(subjects.length).toBeGreaterThan(0)
  const contexts = subjects.map(subject => scopeOfSubject(subject.replace('${{ github.repository }}', 'contoso/exo-jobs')).context)
  expect(contexts.map(c => c.kind)).toEqual(subjects.map(() => 'environment'))
  const environments = contexts.flatMap(c => (c.kind === 'environment' ? [c.name] : []))
  for (const { job } of steps.filter(({ step }) => step.with?.mode === 'connect')) expect(environments).toContain(job.environment)
})
