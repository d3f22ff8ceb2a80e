// EVN CSKH service worker: shows Web Push notices and opens them when tapped.
self.addEventListener("push", (event) => {
  let notice = {};
  try {
    notice = event.data ? event.data.json() : {};
  } catch (error) {
    notice = { title: "EVN CSKH", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(notice.title || "EVN CSKH", {
      body: notice.body || "",
      icon: "/static/cskh/icon-192.png",
      badge: "/static/cskh/icon-192.png",
      tag: notice.url,
      data: { url: notice.url || "/notifications/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
