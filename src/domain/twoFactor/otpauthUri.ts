import { totpDigits, totpPeriodSeconds } from "./totp.ts"

/**
 * The `otpauth://totp/` URI an authenticator app scans (as a QR code) or opens (Key URI Format, Google
 * Authenticator's wiki): the label "Issuer:account", the base32 secret, the issuer again, and the parameters
 * spelled out even where they are the defaults.
 */
// The label's own separator is ":", so a ":" inside the issuer or the account is percent-encoded too.
const labelPart = (text: string) => encodeURIComponent(text).replaceAll(":", "%3A")

export const otpauthUri = (params: { readonly issuer: string; readonly account: string; readonly secret: string }) => {
  const label = `${labelPart(params.issuer)}:${labelPart(params.account)}`
  const query = new URLSearchParams({
    secret: params.secret,
    issuer: params.issuer,
    algorithm: "SHA1",
    digits: String(totpDigits),
    period: String(totpPeriodSeconds)
  })
  return `otpauth://totp/${label}?${query.toString()}`
}
