import { afterAll, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { generateCertificate } from '../../src/certificate/index.js'
import { describeIfPwsh } from '../helpers/pwsh.js'
import { OpenSsl } from './openssl.js'

// .NET's PKCS#12 loader is what Connect-ExchangeOnline uses for -CertificateFilePath on
// Linux and macOS.
const openssl = new OpenSsl()
afterAll(() => openssl.cleanup())

describeIfPwsh('the PFX in .NET (X509CertificateLoader)', (pwsh) => {
  it('loads both encryption profiles with the private key, the same thumbprint, and signs with it', () => {
    const held = {
      aes256: generateCertificate({ subject: 'CN=dotnet aes', keySize: 2048, validityDays: 30, encryption: 'aes256', friendlyName: 'a' }),
      '3des': generateCertificate({ subject: 'CN=dotnet 3des', keySize: 2048, validityDays: 30, encryption: '3des', friendlyName: 'b' })
    }
    const script = Object.entries(held)
      .map(([name, h]) => {
        openssl.file(`${name}.pfx`, Buffer.from(h.pfxBase64, 'base64'))
        openssl.file(`${name}.pw`, h.pfxPassword)
        const dir = openssl.dir
        return `
$c = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile('${dir}/${name}.pfx', (Get-Content -Raw '${dir}/${name}.pw'))
$rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($c)
$sig = $rsa.SignData([byte[]](1,2,3), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
"${name} $($c.Thumbprint) $($c.HasPrivateKey) $($sig.Length)"`
      })
      .join('\n')
    const result = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.stdout.trim().split('\n')).toEqual([
      `aes256 ${held.aes256.thumbprint} True 256`,
      `3des ${held['3des'].thumbprint} True 256`
    ])
  })
})
