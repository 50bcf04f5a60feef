/**
 * The Microsoft clouds this action can work in, and what differs between them.
 * Tokens are always requested for the cloud's real resource ids, even when
 * `authority-host` or `graph-endpoint` send the requests elsewhere (a proxy, the emulator).
 */
export type CloudName = 'global' | 'usgov' | 'dod' | 'china'

export const CLOUD_NAMES: readonly CloudName[] = ['global', 'usgov', 'dod', 'china']

export interface Cloud {
  name: CloudName
  /** Where sign-in requests go, e.g. `https://login.microsoftonline.com`. */
  authorityHost: string
  /** Where Graph requests go, without `/v1.0`, e.g. `https://graph.microsoft.com`. */
  graphEndpoint: string
  /** The Graph resource tokens are issued for (never overridden). */
  graphResource: string
  /** The Exchange Online resource tokens are issued for (never overridden). */
  exchangeResource: string
  /**
   * Security & Compliance PowerShell's resource, for `Connect-IPPSSession -AccessToken`: the
   * authority of its connection URI in this cloud (connect-to-scc-powershell.md). Microsoft does
   * not name the token audience; community code that uses -AccessToken (maester, ScubaGear)
   * asks for this one.
   */
  complianceResource: string
  /** `-ExchangeEnvironmentName` of Connect-ExchangeOnline. */
  exchangeEnvironmentName: 'O365Default' | 'O365USGovGCCHigh' | 'O365USGovDoD' | 'O365China'
  /** The tenant's initial domain ends with this, e.g. `.onmicrosoft.com`. */
  initialDomainSuffix: string
}

const CLOUDS: Record<CloudName, Omit<Cloud, 'name'>> = {
  global: {
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphResource: 'https://graph.microsoft.com',
    exchangeResource: 'https://outlook.office365.com',
    complianceResource: 'https://ps.compliance.protection.outlook.com',
    exchangeEnvironmentName: 'O365Default',
    initialDomainSuffix: '.onmicrosoft.com'
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    graphResource: 'https://graph.microsoft.us',
    exchangeResource: 'https://outlook.office365.us',
    complianceResource: 'https://ps.compliance.protection.office365.us',
    exchangeEnvironmentName: 'O365USGovGCCHigh',
    initialDomainSuffix: '.onmicrosoft.us'
  },
  dod: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    graphResource: 'https://dod-graph.microsoft.us',
    exchangeResource: 'https://webmail.apps.mil',
    complianceResource: 'https://l5.ps.compliance.protection.office365.us',
    exchangeEnvironmentName: 'O365USGovDoD',
    initialDomainSuffix: '.onmicrosoft.us'
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    graphResource: 'https://microsoftgraph.chinacloudapi.cn',
    exchangeResource: 'https://partner.outlook.cn',
    complianceResource: 'https://ps.compliance.protection.partner.outlook.cn',
    exchangeEnvironmentName: 'O365China',
    initialDomainSuffix: '.partner.onmschina.cn'
  }
}

/** The cloud's endpoints, with the request hosts optionally overridden. */
/** The `-ExchangeEnvironmentName` a cloud's Exchange Online answers to. */
export function exchangeEnvironmentNameOf(cloud: CloudName): Cloud['exchangeEnvironmentName'] {
  return CLOUDS[cloud].exchangeEnvironmentName
}

export function resolveCloud(
  name: CloudName,
  overrides: { authorityHost?: string; graphEndpoint?: string } = {}
): Cloud {
  const base = CLOUDS[name]
  return {
    name,
    ...base,
    authorityHost: trimSlash(overrides.authorityHost || base.authorityHost),
    graphEndpoint: trimSlash(overrides.graphEndpoint || base.graphEndpoint)
  }
}

/** `https://graph.microsoft.com/.default` and the like: the scope of a client-credentials token. */
export function defaultScope(resource: string): string {
  return `${trimSlash(resource)}/.default`
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
