// The GOV.UK timeout-warning pattern. A signed-in session ends after a period without any
// request (FANLIGHT_SESSION_IDLE_SECONDS). Before it does (FANLIGHT_SESSION_WARNING_SECONDS,
// at least 2 minutes), a modal dialog says so, counting down; "Stay signed in" asks the
// server to restart the clock (POST /session/keep-alive) and nothing on the page is touched,
// so no answer is lost. If nobody answers, the section being filled in is saved ("Save and
// come back later"), the session is signed out and the page moves to "You have been signed
// out", so a referral is not left open on an unattended screen.
//
// Tabs share the time of the last request (localStorage), so working in one tab keeps the
// warning away in the others. Without JavaScript, answers posted after the session ended are
// held by the server and saved after signing in again.

const dialog = document.querySelector('dialog[data-fanlight-timeout]')
const SHARED = 'fanlight:last-request'

const readShared = () => {
  try {
    return Number(window.localStorage.getItem(SHARED)) || 0
  } catch {
    return 0 // storage can be switched off; each tab then keeps its own clock
  }
}

const writeShared = (at) => {
  try {
    window.localStorage.setItem(SHARED, String(at))
  } catch {
    // as above
  }
}

const inWords = (ms) => {
  const seconds = Math.max(0, Math.ceil(ms / 1000))
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60)
    return `${minutes} minute${minutes === 1 ? '' : 's'}`
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

if (dialog && typeof dialog.showModal === 'function') {
  const idle = Number(dialog.dataset.idle) * 1000
  const warning = Math.min(Number(dialog.dataset.warning) * 1000, idle)
  // End a little before the server does, so that the final save still arrives in time.
  const margin = Math.min(5000, idle / 10)
  const token = dialog.querySelector('input[name="csrf_token"]').value
  const visible = dialog.querySelector('[data-fanlight-countdown]')
  const announce = dialog.querySelector('[data-fanlight-announce]')
  let last = Date.now()
  let returnFocus = null
  let ending = false
  let announced = ''

  const requested = (at = Date.now()) => {
    last = Math.max(last, at)
    writeShared(last)
  }
  requested()

  const open = () => {
    returnFocus = document.activeElement
    announced = ''
    dialog.showModal()
  }

  const close = () => {
    if (!dialog.open) return
    dialog.close()
    if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus()
  }

  const show = (left) => {
    const words = inWords(left)
    visible.textContent = words
    // A screen reader hears the time when the warning opens, then once a minute and near the end,
    // rather than every second.
    const seconds = Math.ceil(left / 1000)
    const say = seconds > 60 ? words : seconds > 30 ? '1 minute' : seconds > 10 ? '30 seconds' : '10 seconds'
    if (say !== announced) {
      announced = say
      announce.textContent = `You will be signed out in ${say}.`
    }
  }

  const timeUp = async () => {
    ending = true
    const form = document.querySelector('form[data-fanlight-live]')
    if (form) {
      const body = new FormData(form)
      for (const [name, value] of [...body]) if (typeof value !== 'string') body.delete(name)
      body.set('action', 'later')
      try {
        await fetch(form.action, { method: 'POST', body, credentials: 'same-origin', redirect: 'manual' })
      } catch {
        // the server will hold what it can; there is nothing more to do here
      }
    }
    const out = new FormData()
    out.set('csrf_token', token)
    out.set('reason', 'timeout')
    try {
      await fetch(dialog.dataset.signOut, { method: 'POST', body: out, credentials: 'same-origin', redirect: 'manual' })
    } catch {
      // the session ends on the server anyway
    }
    window.location.assign(dialog.dataset.signedOut)
  }

  const stay = async () => {
    try {
      const response = await fetch(dialog.dataset.keepAlive, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRFToken': token, Accept: 'application/json' }
      })
      if (!response.ok) throw new Error(`keep-alive: ${response.status}`)
      requested()
      close()
    } catch {
      window.location.assign(dialog.dataset.signIn) // the session had already ended
    }
  }

  const check = () => {
    if (ending) return
    last = Math.max(last, readShared())
    const left = last + idle - margin - Date.now()
    if (left <= 0) {
      timeUp()
    } else if (left <= warning - margin) {
      if (!dialog.open) open()
      show(left)
    } else {
      close() // another tab kept the session alive
    }
  }

  dialog.querySelector('[data-fanlight-stay]').addEventListener('click', stay)
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault() // Escape means "stay signed in", as closing the dialog does
    stay()
  })
  // Every htmx request (the answers being saved as they are typed) restarts the server's clock,
  // except a page's own polling (data-fanlight-background: the holding area's refresh), which the
  // server does not count either.
  document.addEventListener('htmx:after:request', (event) => {
    const source = event.detail && event.detail.ctx && event.detail.ctx.sourceElement
    if (!(source instanceof Element && source.closest('[data-fanlight-background]'))) requested()
  })
  window.addEventListener('storage', (event) => {
    if (event.key === SHARED) check()
  })
  window.setInterval(check, 1000)
}
