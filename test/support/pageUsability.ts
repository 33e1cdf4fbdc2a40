/**
 * What a person using a keyboard or a screen reader meets on a page, measured in the real browser:
 * - the accessible name Chromium itself computes (DevTools protocol, Accessibility domain) for every
 *   visible control — what a screen reader announces, not our guess at it;
 * - the order Tab visits the controls in, against their order in the DOM and on screen;
 * - whether the focused control is visibly outlined (computed outline or box-shadow while focused);
 * - the landmarks and headings: h1 elements and main landmarks;
 * - content wider than the box that holds it and not scrollable there (it spills over the card's edge).
 *
 * `usabilityOf` only measures; `usabilityIssues` says what is wrong in words a failing test can print.
 * Pressing Tab moves focus only, so the page can be used afterwards as if nothing happened.
 */
import type { Page } from "playwright-core"

export interface Control {
  /** `button "Sign in with Email"`, `input#signin-1-email[type=email]`: enough to find it again. */
  readonly description: string
  /** Chromium's computed accessible name ("" when it has none). */
  readonly name: string
  readonly role: string
  /** Position on screen, for the visual order. */
  readonly top: number
  readonly left: number
}

export interface FocusStop {
  /** The index into `controls` of the focused element, -1 when focus went elsewhere. */
  readonly index: number
  readonly description: string
  readonly outlined: boolean
  readonly style: string
}

export interface Usability {
  readonly url: string
  readonly title: string
  readonly lang: string
  readonly h1: number
  readonly main: number
  /** Visible, focusable controls in DOM order. */
  readonly controls: ReadonlyArray<Control>
  /** Where each Tab press put focus, one per control. */
  readonly tabStops: ReadonlyArray<FocusStop>
  /** Boxes whose content is wider than they are and shown anyway (overflow visible): `pre#session-json by 23px`. */
  readonly spills: ReadonlyArray<string>
}

// What a keyboard can reach: the same elements the sequential focus order is made of on our pages.
const focusable = "a[href], button, input:not([type=\"hidden\"]), select, textarea, [tabindex]"

interface DomControl {
  readonly visible: boolean
  readonly description: string
  readonly top: number
  readonly left: number
}

/** Every `focusable` match in document order, visible or not (the CDP query below returns the same list). */
const domControls = (page: Page): Promise<ReadonlyArray<DomControl>> =>
  page.evaluate((selector) =>
    [...document.querySelectorAll<HTMLElement>(selector)].map((element) => {
      const rect = element.getBoundingClientRect()
      const style = getComputedStyle(element)
      const disabled = "disabled" in element && element.disabled === true
      const visible = element.getClientRects().length > 0 && style.visibility !== "hidden" && !disabled &&
        element.tabIndex >= 0
      const id = element.id === "" ? "" : `#${element.id}`
      const type = element.getAttribute("type")
      const text = (element.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40)
      return {
        visible,
        description: `${element.tagName.toLowerCase()}${id}${type === null ? "" : `[type=${type}]`}${text === "" ? "" : ` "${text}"`}`,
        top: Math.round(rect.top + window.scrollY),
        left: Math.round(rect.left + window.scrollX)
      }
    }), focusable)

/** Chromium's accessible name and role of each `focusable` match, in document order. */
const accessibleNames = async (page: Page): Promise<ReadonlyArray<{ readonly name: string; readonly role: string }>> => {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send("Accessibility.enable")
    const { root } = await cdp.send("DOM.getDocument", { depth: 0 })
    const { nodeIds } = await cdp.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: focusable })
    const names: Array<{ name: string; role: string }> = []
    for (const nodeId of nodeIds) {
      const { nodes } = await cdp.send("Accessibility.getPartialAXTree", { nodeId, fetchRelatives: false })
      const node = nodes[0]
      names.push({
        name: typeof node?.name?.value === "string" ? node.name.value.trim() : "",
        role: node === undefined || node.ignored ? "(ignored)" : String(node.role?.value ?? "")
      })
    }
    return names
  } finally {
    await cdp.detach()
  }
}

const focusState = (page: Page): Promise<{ readonly index: number; readonly description: string; readonly outlined: boolean; readonly style: string }> =>
  page.evaluate((selector) => {
    const all = [...document.querySelectorAll<HTMLElement>(selector)]
    const active = document.activeElement
    const index = active instanceof HTMLElement ? all.indexOf(active) : -1
    if (!(active instanceof HTMLElement) || active === document.body) {
      return { index, description: active === null ? "nothing" : active.tagName.toLowerCase(), outlined: false, style: "" }
    }
    const style = getComputedStyle(active)
    const outline = style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0
    const shadow = style.boxShadow !== "none" && style.boxShadow !== ""
    return {
      index,
      description: `${active.tagName.toLowerCase()}${active.id === "" ? "" : `#${active.id}`}`,
      outlined: outline || shadow,
      style: `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow: ${style.boxShadow}`
    }
  }, focusable)

/** Measures the page as it is now; Tab is pressed once per visible control, starting before the first. */
export const usabilityOf = async (page: Page): Promise<Usability> => {
  const dom = await domControls(page)
  const names = await accessibleNames(page)
  const controls: Array<Control> = []
  dom.forEach((control, i) => {
    if (!control.visible) return
    const ax = names[i] ?? { name: "", role: "(missing)" }
    controls.push({ description: control.description, name: ax.name, role: ax.role, top: control.top, left: control.left })
  })
  // Start where a person who just arrived starts: nothing focused, the focus starting point at the top.
  await page.evaluate(() => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
    window.scrollTo(0, 0)
  })
  await page.mouse.click(1, 1)
  const visibleIndexes = dom.flatMap((control, i) => (control.visible ? [i] : []))
  const tabStops: Array<FocusStop> = []
  for (let i = 0; i < controls.length; i++) {
    await page.keyboard.press("Tab")
    const state = await focusState(page)
    tabStops.push({ ...state, index: visibleIndexes.indexOf(state.index) })
  }
  const landmarks = await page.evaluate(() => ({
    title: document.title,
    lang: document.documentElement.lang,
    h1: document.querySelectorAll("h1").length,
    main: document.querySelectorAll("main, [role=\"main\"]").length,
    spills: [...document.body.querySelectorAll<HTMLElement>("*")].flatMap((element) => {
      const excess = element.scrollWidth - element.clientWidth
      if (element.clientWidth === 0 || excess <= 1 || getComputedStyle(element).overflowX !== "visible") return []
      return [`${element.tagName.toLowerCase()}${element.id === "" ? "" : `#${element.id}`} by ${excess}px`]
    })
  }))
  return { url: page.url(), ...landmarks, controls, tabStops }
}

/** What is wrong, one sentence each; empty when the page passes every check. */
export const usabilityIssues = (facts: Usability): ReadonlyArray<string> => {
  const issues: Array<string> = []
  if (facts.h1 !== 1) issues.push(`${facts.h1} h1 elements (want exactly one)`)
  if (facts.main !== 1) issues.push(`${facts.main} main landmarks (want exactly one)`)
  if (facts.title.trim() === "") issues.push("no document title")
  if (facts.lang.trim() === "") issues.push("no lang on <html>")
  for (const spill of facts.spills) issues.push(`the content of ${spill} spills out of its box`)
  for (const control of facts.controls) {
    if (control.name === "") issues.push(`${control.description} (role ${control.role}) has no accessible name`)
  }
  facts.tabStops.forEach((stop, i) => {
    const want = facts.controls[i]
    if (stop.index !== i) {
      issues.push(`Tab press ${i + 1} focused ${stop.description} (control ${stop.index}), not ${want?.description ?? "?"}`)
    } else if (!stop.outlined) {
      issues.push(`${stop.description} shows no focus outline when focused (${stop.style})`)
    }
  })
  // Visual order: each control is below the one before, or on the same row and to its right.
  for (let i = 1; i < facts.controls.length; i++) {
    const before = facts.controls[i - 1]!
    const control = facts.controls[i]!
    const sameRow = Math.abs(control.top - before.top) < 4
    if (control.top < before.top - 3 || (sameRow && control.left < before.left)) {
      issues.push(`${control.description} comes after ${before.description} in the DOM but before it on screen`)
    }
  }
  return issues
}
