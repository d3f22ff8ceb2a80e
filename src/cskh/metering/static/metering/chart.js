// The consumption chart: tap (or click) a bar to read its value under the chart.
// The page works without this file; the figures table holds the same values.
document.querySelectorAll(".chart").forEach((figure) => {
  const svg = figure.querySelector("svg");
  const out = figure.querySelector(".chart-value");
  if (!svg || !out) return;
  out.textContent = figure.dataset.hint || "";
  out.hidden = false;
  svg.addEventListener("click", (event) => {
    const slot = event.target.closest("[data-label]");
    if (!slot) return;
    figure.querySelectorAll(".slot.on").forEach((other) => other.classList.remove("on"));
    slot.classList.add("on");
    out.textContent = slot.dataset.label;
  });
});
