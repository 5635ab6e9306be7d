// Fanlight's enhancements. Every page works without them: the section form posts normally
// ("Save and continue"); with them, it also saves as answers change (htmx, innerMorph into
// #section-fields) and shows or hides questions and sections straight away.
import { initAll } from '../vendor/govuk-frontend.min.js'

// A component that is already started throws InitError when started again: that is expected
// after a morph swap, which keeps the elements (and their data-govuk-*-init markers).
const onError = (error) => {
  if (error && error.name !== 'InitError') console.error(error)
}

initAll({ onError })

for (const button of document.querySelectorAll('[data-fanlight-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}

const LIVE = 'form[data-fanlight-live]'
const BUSY = 'data-fanlight-busy' // a save is on its way
const UNSAVED = 'data-fanlight-unsaved' // answers changed since the last save was sent
const inFlight = new Set()

const liveForm = (event) => {
  const form = event.detail && event.detail.ctx && event.detail.ctx.sourceElement
  return form instanceof HTMLFormElement && form.matches(LIVE) ? form : null
}

// The form's answers as name -> values (text only: a file input is never sent live).
const answersOf = (form) => {
  const values = new Map()
  for (const [name, value] of new FormData(form)) {
    if (typeof value !== 'string') continue
    values.set(name, values.has(name) ? values.get(name) + '\u0000' + value : value)
  }
  return values
}

for (const type of ['input', 'change']) {
  document.addEventListener(type, (event) => {
    const form = event.target instanceof Element && event.target.closest(LIVE)
    if (form) form.setAttribute(UNSAVED, '')
  })
}

document.addEventListener('htmx:before:request', (event) => {
  const form = liveForm(event)
  if (!form) return
  if (form.dataset.fanlightSubmitting) {
    event.preventDefault() // the page is being sent in full: a late autosave would only conflict with it
    return
  }
  const ctx = event.detail.ctx
  // A save that waited in the queue sends the answers as they are now, with the revision the
  // previous save returned, not the ones from when it was triggered.
  const sent = answersOf(form)
  const body = new URLSearchParams()
  for (const [name, values] of sent) for (const value of values.split('\u0000')) body.append(name, value)
  ctx.request.body = body
  ctx.fanlightSent = sent
  inFlight.add(ctx)
  form.setAttribute(BUSY, '')
  form.removeAttribute(UNSAVED)
})

// Answers changed while a save was on its way must survive the swap that answers it.
document.addEventListener('htmx:before:swap', (event) => {
  const form = liveForm(event)
  const ctx = event.detail.ctx
  if (!form || !ctx.fanlightSent) return
  ctx.fanlightFocus = document.activeElement && document.activeElement.id
  const now = answersOf(form)
  const names = new Set([...now.keys(), ...ctx.fanlightSent.keys()])
  names.delete('revision')
  const edited = [...names].filter((name) => now.get(name) !== ctx.fanlightSent.get(name))
  if (!edited.length) return
  ctx.fanlightKeep = [...form.elements]
    .filter((element) => edited.includes(element.name) && element.id && element.type !== 'file')
    .map((element) => [element.id, element.value, element.checked])
})

document.addEventListener('htmx:after:swap', (event) => {
  const form = liveForm(event)
  const ctx = event.detail.ctx
  const scope = form || (event.target instanceof Element ? event.target : document.body)
  // htmx swaps in new questions as answers change: start their GOV.UK components too.
  initAll({ scope, onError })
  if (!form) return
  if (ctx.fanlightKeep) {
    for (const [id, value, checked] of ctx.fanlightKeep) {
      const element = document.getElementById(id)
      if (!element) continue
      if (element.type === 'checkbox' || element.type === 'radio') element.checked = checked
      else element.value = value
    }
    form.dispatchEvent(new Event('change', { bubbles: true })) // and save them
  }
  // Keep the keyboard where it was, even if the element it was on had to be replaced.
  const focusId = ctx.fanlightFocus
  if (focusId && (!document.activeElement || document.activeElement === document.body)) {
    const element = document.getElementById(focusId)
    if (element) element.focus({ preventScroll: true })
  }
})

document.addEventListener('htmx:finally:request', (event) => {
  const form = liveForm(event)
  if (!form || !inFlight.delete(event.detail.ctx)) return
  if ([...inFlight].some((ctx) => ctx.sourceElement === form)) return
  form.removeAttribute(BUSY)
  form.dispatchEvent(new CustomEvent('fanlight:idle'))
})

// No connection (a phone on a train): say so, quietly; "Save and continue" still sends everything.
document.addEventListener('htmx:error', (event) => {
  const form = liveForm(event)
  const status = form && document.getElementById('save-status')
  if (status) status.textContent = 'Your latest answers are not saved yet. They will be when you select “Save and continue”.'
})

// "Save and continue" (or any button of the form) while a save is on its way: wait for it,
// so the page is sent with the revision that save returned, then send it.
document.addEventListener('submit', (event) => {
  const form = event.target
  if (!(form instanceof HTMLFormElement) || !form.matches(LIVE) || event.defaultPrevented) return
  if (form.hasAttribute(BUSY)) {
    event.preventDefault()
    const submitter = event.submitter
    form.addEventListener('fanlight:idle', () => (submitter ? form.requestSubmit(submitter) : form.requestSubmit()), { once: true })
    return
  }
  form.dataset.fanlightSubmitting = 'true'
})

// Back to a page kept in the browser's memory: it can save as it goes again.
window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return
  for (const form of document.querySelectorAll(LIVE)) delete form.dataset.fanlightSubmitting
})
