// Mark the body as able to run GOV.UK Frontend's JavaScript (kept out of the page itself:
// the Content-Security-Policy allows no inline script).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
