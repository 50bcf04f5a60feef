/**
 * `credential: federated`: an app-only Exchange Online access token for the Exchange app,
 * from this job's GitHub OIDC token (client credentials with the OIDC token as the client
 * assertion; entra-docs workload-id/workload-identity-federation.md). Connect-ExchangeOnline
 * takes it with -AccessToken and -Organization from ExchangeOnlineManagement 3.1.0, and
 * Connect-IPPSSession from 3.8.0 (office-docs-powershell, exchange-online-powershell-v2.md).
 * Entra gives such tokens 60–90 minutes (access-tokens.md); the connect script can get a new one.
 */
import { ClientAssertionCredential } from '@azure/identity'
import { defaultScope, type Cloud } from '../cloud.js'
import { UserError } from '../errors.js'
import { readJobFacts, type JobFacts } from '../runner/github-event.js'
import { GITHUB_ACTIONS_ISSUER, type GitHubIdToken } from '../runner/github-oidc.js'
import { credentialOptions } from './sign-in.js'
import { repositoryOfSubject, scopeOfSubject, unprotectedDefaultSubject } from './subject-scope.js'

export interface AccessTokenFile {
  token: string
  expiresOn: Date
}

export interface ExchangeTokens {
  exchange: AccessTokenFile
  /** For Connect-IPPSSession (`connect-ippssession: true`). */
  compliance?: AccessTokenFile
}

export interface FederatedSignIn {
  tenantId: string
  /** The Exchange app's client id. */
  appId: string
  cloud: Cloud
  /** The audience the job's OIDC tokens are requested for. */
  audience: string
  /** A fresh OIDC token of this job each time it is called. */
  assertion: () => Promise<GitHubIdToken>
}

/** The tokens the connect script signs in with; failures explained in terms of the app and this job's token. */
export async function federatedExchangeTokens(signIn: FederatedSignIn, securityAndCompliance: boolean): Promise<ExchangeTokens> {
  let lastJobToken: GitHubIdToken | undefined
  const credential = new ClientAssertionCredential(
    signIn.tenantId,
    signIn.appId,
    async () => {
      lastJobToken = await signIn.assertion()
      return lastJobToken.token
    },
    credentialOptions(signIn.cloud)
  )
  const tokenFor = async (resource: string): Promise<AccessTokenFile> => {
    try {
      const token = await credential.getToken(defaultScope(resource))
      return { token: token.token, expiresOn: new Date(token.expiresOnTimestamp) }
    } catch (error) {
      throw explainFederatedSignInError(error, signIn, lastJobToken, readJobFacts(process.env))
    }
  }
  const exchange = await tokenFor(signIn.cloud.exchangeResource)
  const compliance = securityAndCompliance ? await tokenFor(signIn.cloud.complianceResource) : undefined
  return { exchange, ...(compliance === undefined ? {} : { compliance }) }
}

/**
 * Entra's refusal in words: above all, a job whose token no federated credential of the app
 * trusts. The command to trust this job's subject is printed only when a reviewer guards that
 * subject (the default branch, or an environment outside pull requests: subject-scope.ts
 * unprotectedDefaultSubject, with `facts` about this job); otherwise it points to an environment.
 */
export function explainFederatedSignInError(
  error: unknown,
  signIn: Pick<FederatedSignIn, 'tenantId' | 'appId' | 'audience'>,
  job: GitHubIdToken | undefined,
  facts: JobFacts
): Error {
  if (error instanceof UserError) return error
  const message = (error as Error)?.message ?? String(error)
  const code = /AADSTS(\d+)/.exec(message)?.[1]
  const app = `the Exchange app (app-id ${signIn.appId}) in tenant ${signIn.tenantId}`
  switch (code) {
    case '70021':
    case '700211':
    case '700212':
    case '700213': {
      const subject = job?.subject ?? '(unknown)'
      const issuer = job?.issuer ?? GITHUB_ACTIONS_ISSUER
      const says = `Entra ID found no federated credential of ${app} that trusts this job's GitHub token (AADSTS${code}). The token says: issuer ${issuer}, subject '${subject}', audience '${signIn.audience}'.`
      const scope = scopeOfSubject(subject)
      const environmentAdvice = `Run the Exchange steps in a job with an environment that has required reviewers (jobs.<job_id>.environment), and list its subject repo:${repositoryOfSubject(scope.repository)}:environment:NAME in federated-subjects of the provisioning workflow.`
      if (scope.context.kind === 'pull-request') {
        // Never suggest trusting it: anyone who can open a pull request would then be an Exchange administrator.
        return new UserError(
          `${says} This job runs for a pull request, and pull-request jobs should not sign in to Exchange Online: anyone who can open a pull request could then act as an Exchange administrator. ${environmentAdvice}`,
          { cause: error }
        )
      }
      const unreviewed = job?.subject === undefined ? undefined : unprotectedDefaultSubject(subject, facts)
      if (unreviewed !== undefined) {
        // Nor a feature branch's subject, or any subject of a pull request's job.
        return new UserError(`${says} Do not trust this subject: ${unreviewed}. ${environmentAdvice}`, { cause: error })
      }
      const parameters = JSON.stringify({ name: 'exo-jobs', issuer, subject, audiences: [signIn.audience] })
      const preferEnvironment =
        scope.context.kind === 'ref'
          ? ' Prefer an environment with required reviewers (its subject repo:OWNER/REPO:environment:NAME) over a branch or tag subject: anyone who can push to that ref could sign in.'
          : ''
      return new UserError(
        `${says} Add '${subject}' to federated-subjects in the provisioning workflow (credential: federated) and run it, or add the credential directly: az ad app federated-credential create --id ${signIn.appId} --parameters '${parameters}'. A credential used right after it is created can take a minute to work.${preferEnvironment}`,
        { cause: error }
      )
    }
    case '700016':
      return new UserError(`No app with app-id ${signIn.appId} exists in tenant ${signIn.tenantId} (AADSTS700016). Check 'app-id' (secrets.EXO_APP_ID) and 'tenant-id' (secrets.EXO_TENANT_ID).`, { cause: error })
    case '7000229':
      return new UserError(`The app ${signIn.appId} has no service principal in tenant ${signIn.tenantId} (AADSTS7000229). Run this action in provision mode to create it.`, { cause: error })
    case '90002':
    case '900023':
      return new UserError(`Tenant '${signIn.tenantId}' was not found (AADSTS${code}). Check 'tenant-id' and 'cloud'.`, { cause: error })
  }
  return new UserError(`Sign-in as ${app} with this job's GitHub OIDC token failed: ${message.split('\n')[0]}`, { cause: error })
}
