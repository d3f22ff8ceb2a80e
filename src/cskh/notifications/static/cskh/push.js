// Switch Web Push on or off for this device, only when the person presses the button.
const box = document.querySelector("[data-push]");
const supported = box && "serviceWorker" in navigator && "PushManager" in window;
if (supported) {
  const button = box.querySelector("button");
  const status = box.querySelector("[role=status]");
  const csrf = box.querySelector("[name=csrfmiddlewaretoken]").value;
  const key = Uint8Array.from(
    atob(box.dataset.key.replace(/-/g, "+").replace(/_/g, "/")),
    (c) => c.charCodeAt(0),
  );
  const post = (body) =>
    fetch(box.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  const show = async () => {
    const registration = await navigator.serviceWorker.getRegistration("/");
    const subscription = registration && (await registration.pushManager.getSubscription());
    button.textContent = subscription ? box.dataset.off : box.dataset.on;
    return subscription;
  };
  box.hidden = false;
  show();
  button.addEventListener("click", async () => {
    const current = await show();
    try {
      if (current) {
        await post({ endpoint: current.endpoint, unsubscribe: true });
        await current.unsubscribe();
        status.textContent = box.dataset.stopped;
      } else {
        const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key,
        });
        const answer = await post(subscription.toJSON());
        status.textContent = answer.ok ? box.dataset.started : box.dataset.failed;
      }
    } catch (error) {
      status.textContent = box.dataset.failed;
    }
    show();
  });
}
