import { initAll } from '../vendor/govuk-frontend.min.js'

initAll()

// htmx swaps in new sections and fields as answers change: start their components too.
document.addEventListener('htmx:after:swap', (event) => {
  const scope = event.target instanceof Element ? event.target : document.body
  // Components already started keep working across a morph swap; only new ones start.
  initAll({ scope, onError: () => {} })
})
