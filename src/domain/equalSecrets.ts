/**
 * Whether two secrets are equal (a CSRF token or tag, an OAuth `state`, a PKCE challenge), compared in constant
 * time: if a mismatch in the first character answered sooner than one in the last, an attacker timing his guesses
 * would learn a secret character by character. So every pair of UTF-16 code units is XORed and the sum looked at
 * only at the end (as `Mac.timingSafeEqual` does with bytes, without encoding the strings first): the time depends
 * on the length alone, and lengths here are no secret (fixed-size hex and base64url). It is the only comparison of
 * secrets in authfx: it lives in the domain, which imports nothing, so the domain, the HTTP layer and the adapters
 * all use this one.
 */
export const equalSecrets = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}
