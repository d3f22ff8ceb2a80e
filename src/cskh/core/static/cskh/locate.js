// Progressive enhancement of the incident form: after the person asks for it, add the
// phone's location to the report. Nothing happens on page load; without JavaScript the
// address alone is sent.
const form = document.querySelector("[data-incident-form]");
const button = form?.querySelector("[data-locate]");
if (form && button && "geolocation" in navigator) {
  const status = form.querySelector("[data-located]");
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.querySelector('[name="latitude"]').value = position.coords.latitude.toFixed(6);
        form.querySelector('[name="longitude"]').value = position.coords.longitude.toFixed(6);
        status.textContent = `${position.coords.latitude.toFixed(5)}, ${position.coords.longitude.toFixed(5)}`;
      },
      () => { status.textContent = button.dataset.failed || ""; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}
