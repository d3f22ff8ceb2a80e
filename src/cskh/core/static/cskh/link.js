// Progressive enhancement of the "link a customer code" form: show only the proof
// that the chosen relation needs. Without JavaScript every field stays visible.
const form = document.querySelector("[data-link-form]");
if (form) {
  const fieldOf = (name) => form.querySelector(`[name="${name}"]`)?.closest(".field");
  const method = fieldOf("method");
  const meter = fieldOf("meter_number");
  const update = () => {
    const other = form.querySelector('[name="relation"]:checked')?.value === "OTHER";
    if (method) method.hidden = other;
    if (meter) meter.hidden = !other && !meter.classList.contains("invalid");
  };
  form.addEventListener("change", update);
  update();
}
