// The workbench's YAML editor: a problem's "Line N, column M" link puts the cursor there.
// Without JavaScript the link still moves the focus to the text; the problems list says where.

function offsetOf(text, line, col) {
  let offset = 0;
  for (let n = 1; n < line; n += 1) {
    const next = text.indexOf("\n", offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + Math.max(col - 1, 0), text.length);
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[data-line]") : null;
  const area = document.getElementById("text");
  if (!link || !(area instanceof HTMLTextAreaElement)) return;
  event.preventDefault();
  const at = offsetOf(area.value, Number(link.dataset.line), Number(link.dataset.col || 1));
  area.focus();
  area.setSelectionRange(at, at);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 22;
  area.scrollTop = Math.max(0, (Number(link.dataset.line) - 3) * lineHeight);
});

// Problems checked as the author types are said by the status region, politely, and only when
// what it says changes: the same count after every pause in typing would only interrupt. The
// summary itself comes without taking the focus (see _problems.html), so typing goes on in the YAML.
document.addEventListener("htmx:after:swap", () => {
  const said = document.querySelector("#problems [data-fanlight-status]");
  const status = document.getElementById("problems-status");
  if (!said || !status) return;
  const message = said.getAttribute("data-fanlight-status") || "";
  if (status.textContent !== message) status.textContent = message;
});
