"""Web Push: subscriptions per device (API and page), categories switched off per
account, and delivery in background jobs to a loopback push service that checks the
VAPID token and decrypts every payload (tests/notifications/fake_push.py)."""

import base64
import json
import re
import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pywebpush import Vapid, WebPushException, webpush

from cskh.notifications import push, services
from cskh.notifications.models import (
    Audience,
    Category,
    PushFanout,
    PushPreference,
    PushSubscription,
)
from cskh.notifications.tasks import push_notice
from tests import factories
from tests.helpers import error_of, token_for
from tests.notifications.conftest import linked_account, make_notice
from tests.notifications.fake_push import FakePushService, b64encode

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/notifications/push/subscriptions"
PREFERENCES = "/notifications/preferences"
PAGE_PUSH = reverse("notifications:push")
SETTINGS_PAGE = reverse("notifications:settings")
ALL_ON = {"BILL": True, "INCIDENT": True, "MEDIA": True}
FCM = "https://fcm.googleapis.com/fcm/send/"


@pytest.fixture
def fake(settings):
    """The loopback push service; 127.0.0.1 is an accepted push service here."""
    settings.PUSH_SERVICE_HOSTS = [*settings.PUSH_SERVICE_HOSTS, "127.0.0.1"]
    with FakePushService() as service:
        yield service


def stored(account, info: dict) -> PushSubscription:
    """Store a browser subscription for `account` as the app does."""
    services.subscribe(
        account=account,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
        user_agent="Test browser",
        now=timezone.now(),
    )
    return PushSubscription.objects.get(endpoint=info["endpoint"])


def push_jobs() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path__endswith="push_notice").order_by("enqueued_at")
    )


def run_queue() -> int:
    """Run the ready jobs of the database queue one by one, as the worker does (a job
    may enqueue the next one); return how many ran."""
    ran = 0
    while job := DBTaskResult.objects.ready().order_by("enqueued_at").first():
        job.delete()
        job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
        ran += 1
    return ran


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- the API: subscriptions


def test_the_public_key_is_given_without_login(api, settings):
    response = api.get("/notifications/push/key")
    assert response.status_code == 200, response.content
    assert response.json() == {"public_key": settings.VAPID_KEYS["public"]}
    raw = base64.urlsafe_b64decode(settings.VAPID_KEYS["public"] + "==")
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point


def test_a_device_subscribes(api, saigon, fake):
    info = fake.subscribe("phone")
    response = api.post(SUBSCRIPTIONS, info, token=token_for(saigon))
    assert response.status_code == 201, response.content
    subscription = PushSubscription.objects.get()
    assert subscription.account == saigon
    assert subscription.info() == info


def test_the_same_endpoint_again_is_updated_not_duplicated(api, saigon, fake):
    info = fake.subscribe("phone")
    token = token_for(saigon)
    assert api.post(SUBSCRIPTIONS, info, token=token).status_code == 201
    renewed = {**info, "keys": fake.subscribe("phone-renewed")["keys"]}

    response = api.post(SUBSCRIPTIONS, renewed, token=token)

    assert response.status_code == 201, response.content
    assert PushSubscription.objects.count() == 1
    assert PushSubscription.objects.get().info() == renewed


def test_the_same_endpoint_from_another_account_moves_to_it(api, saigon, hanoi, fake):
    info = fake.subscribe("shared-phone")
    assert api.post(SUBSCRIPTIONS, info, token=token_for(saigon)).status_code == 201

    assert api.post(SUBSCRIPTIONS, info, token=token_for(hanoi)).status_code == 201

    assert list(PushSubscription.objects.values_list("account", flat=True)) == [hanoi.pk]


def test_each_device_is_a_subscription_of_its_own(api, saigon, fake):
    token = token_for(saigon)
    for name in ("phone", "laptop"):
        assert api.post(SUBSCRIPTIONS, fake.subscribe(name), token=token).status_code == 201
    assert saigon.push_subscriptions.count() == 2


def test_unsubscribing_removes_only_ones_own(api, saigon, hanoi, fake):
    mine, theirs = fake.subscribe("mine"), fake.subscribe("theirs")
    stored(saigon, mine)
    stored(hanoi, theirs)
    token = token_for(saigon)

    other = api.delete(SUBSCRIPTIONS, {"endpoint": theirs["endpoint"]}, token=token)
    own = api.delete(SUBSCRIPTIONS, {"endpoint": mine["endpoint"]}, token=token)

    assert (other.status_code, own.status_code) == (204, 204)
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [theirs["endpoint"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", SUBSCRIPTIONS, {"endpoint": FCM + "x", "keys": {"p256dh": "a", "auth": "b"}}),
        ("delete", SUBSCRIPTIONS, {"endpoint": FCM + "x"}),
        ("get", PREFERENCES, None),
        ("patch", PREFERENCES, {"MEDIA": False}),
    ],
)
def test_without_a_token_nothing_is_done(api, method, path, body):
    response = api.call(method, path, body)
    error_of(response, 401, "not_authenticated")
    assert not PushSubscription.objects.exists()
    assert not PushPreference.objects.exists()


GOOD_P256DH = b64encode(b"\x04" + bytes(range(64)))
GOOD_AUTH = b64encode(bytes(range(16)))


def subscription(endpoint: str = FCM + "a", p256dh: str = GOOD_P256DH, auth: str = GOOD_AUTH):
    return {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (subscription(p256dh=GOOD_P256DH[:-4]), "keys"),
        (subscription(auth=GOOD_AUTH[:-2]), "keys"),
        (subscription(p256dh="not base64!"), "keys"),
        (subscription(auth=""), "auth"),
        (subscription("https://push.example.com/a"), "endpoint"),
        (subscription("https://fcm.googleapis.com.evil.example/a"), "endpoint"),
        (subscription("https://fcm.googleapis.com@evil.example/a"), "endpoint"),
        (subscription("http://fcm.googleapis.com/fcm/send/a"), "endpoint"),
        (subscription("not a url"), "endpoint"),
        (subscription(FCM + "a" * 1000), "endpoint"),
        ({"keys": {"p256dh": GOOD_P256DH, "auth": GOOD_AUTH}}, "endpoint"),
        ({"endpoint": FCM + "a"}, "keys"),
        ({"endpoint": FCM + "a", "keys": {"p256dh": GOOD_P256DH}}, "auth"),
        ({"endpoint": FCM + "a", "keys": "p256dh"}, "p256dh"),
        ([], None),
    ],
)
def test_a_bad_subscription_is_refused_with_the_error_shape(api, saigon, body, field):
    response = api.post(SUBSCRIPTIONS, body, token=token_for(saigon))
    error = error_of(response, 422)
    if field:
        assert field in error["fields"], error
    assert not PushSubscription.objects.exists()


def test_a_body_that_is_not_json_is_refused(api, saigon):
    response = api.client.post(
        "/api/v1" + SUBSCRIPTIONS,
        data="{endpoint",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(saigon)}"},
    )
    error_of(response, 422)


def test_a_good_fcm_subscription_is_accepted(api, saigon):
    body = subscription(FCM + "abc:def")
    assert api.post(SUBSCRIPTIONS, body, token=token_for(saigon)).status_code == 201
    assert PushSubscription.objects.get().endpoint == FCM + "abc:def"


# ---------------------------------------------------------------- the page's endpoint


def page_token(client) -> str:
    """The CSRF token of the settings page, as the script reads it."""
    html = client.get(SETTINGS_PAGE).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def post_json(client, data, **headers):
    return client.post(
        PAGE_PUSH, data=json.dumps(data), content_type="application/json", headers=headers
    )


def test_the_page_subscribes_and_unsubscribes_this_device(client, saigon, fake):
    client.force_login(saigon)
    info = fake.subscribe("phone")

    response = post_json(client, info, **{"User-Agent": "Mozilla/5.0 (Android)"})

    assert response.status_code == 201, response.content
    assert response.json() == {"subscribed": True}
    subscription = PushSubscription.objects.get()
    assert (subscription.account, subscription.info()) == (saigon, info)
    assert subscription.user_agent == "Mozilla/5.0 (Android)"

    response = post_json(client, {"endpoint": info["endpoint"], "unsubscribe": True})

    assert response.status_code == 200, response.content
    assert response.json() == {"subscribed": False}
    assert not PushSubscription.objects.exists()


def test_the_page_needs_the_csrf_token(saigon, fake):
    client = Client(enforce_csrf_checks=True)
    client.force_login(saigon)
    info = fake.subscribe("phone")

    assert post_json(client, info).status_code == 403
    assert not PushSubscription.objects.exists()

    response = post_json(client, info, **{"X-CSRFToken": page_token(client)})
    assert response.status_code == 201, response.content
    assert PushSubscription.objects.filter(account=saigon).exists()


def test_the_page_needs_a_login(client, fake):
    response = post_json(client, fake.subscribe("phone"))
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()


def test_the_page_endpoint_only_takes_posts(client, saigon):
    client.force_login(saigon)
    assert client.get(PAGE_PUSH).status_code == 405


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        ("[1, 2]", 400),
        ('"text"', 400),
        (json.dumps(subscription("https://push.example.com/x")), 422),
        (json.dumps(subscription(p256dh="short")), 422),
        (json.dumps({"endpoint": FCM + "x"}), 422),
        (json.dumps({"endpoint": FCM + "x", "keys": "no"}), 400),
        (json.dumps({}), 422),
    ],
)
def test_the_page_refuses_a_bad_subscription(client, saigon, body, status):
    client.force_login(saigon)
    response = client.post(PAGE_PUSH, data=body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_the_page_unsubscribes_only_ones_own(client, saigon, hanoi, fake):
    theirs = fake.subscribe("theirs")
    stored(hanoi, theirs)
    client.force_login(saigon)

    response = post_json(client, {"endpoint": theirs["endpoint"], "unsubscribe": True})

    assert response.status_code == 200
    assert PushSubscription.objects.filter(account=hanoi).exists()


# ---------------------------------------------------------------- categories


def test_preferences_default_to_everything_on(api, saigon):
    response = api.get(PREFERENCES, token=token_for(saigon))
    assert response.status_code == 200, response.content
    assert response.json() == ALL_ON


def test_a_category_is_switched_off_and_on_through_the_api(api, saigon, hanoi):
    token = token_for(saigon)

    response = api.patch(PREFERENCES, {"MEDIA": False}, token=token)

    assert response.status_code == 200, response.content
    assert response.json() == {**ALL_ON, "MEDIA": False}
    assert api.get(PREFERENCES, token=token).json() == {**ALL_ON, "MEDIA": False}
    assert api.get(PREFERENCES, token=token_for(hanoi)).json() == ALL_ON  # per account
    assert api.patch(PREFERENCES, {}, token=token).json() == {**ALL_ON, "MEDIA": False}

    response = api.patch(PREFERENCES, {"MEDIA": True, "BILL": False}, token=token)

    assert response.json() == {**ALL_ON, "BILL": False}
    assert PushPreference.objects.filter(account=saigon).count() == 2


@pytest.mark.parametrize("body", [{"MEDIA": "maybe"}, {"BILL": [1]}])
def test_bad_preferences_are_refused(api, saigon, body):
    error_of(api.patch(PREFERENCES, body, token=token_for(saigon)), 422)
    assert not PushPreference.objects.exists()


def test_the_settings_page_shows_and_saves_the_categories(client, saigon):
    client.force_login(saigon)
    page = client.get(SETTINGS_PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    for category in Category.values:
        assert re.search(rf'<input[^>]*name="{category}"[^>]*checked', html), category

    response = client.post(SETTINGS_PAGE, {"BILL": "on", "INCIDENT": "on"})

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_PAGE
    assert services.push_preferences(saigon) == {**ALL_ON, "MEDIA": False}
    html = client.get(SETTINGS_PAGE).content.decode()
    assert not re.search(r'<input[^>]*name="MEDIA"[^>]*checked', html)
    assert re.search(r'<input[^>]*name="BILL"[^>]*checked', html)


def test_the_settings_page_switches_every_category_off(saigon):
    client = Client(enforce_csrf_checks=True)  # as a browser posts: with the token
    client.force_login(saigon)

    response = client.post(SETTINGS_PAGE, {"csrfmiddlewaretoken": page_token(client)})

    assert response.status_code == 302
    assert services.push_preferences(saigon) == dict.fromkeys(Category.values, False)


def test_the_settings_page_needs_a_login(client):
    assert client.get(SETTINGS_PAGE).status_code == 302


# ---------------------------------------------------------------- delivery


def test_a_unit_notice_is_pushed_in_each_accounts_language(units, fake, settings):
    english, _ = linked_account("PE0100", language="en")
    vietnamese, _ = linked_account("PE0100", language="vi")
    outside, _ = linked_account("PD0100", language="en")
    stored(english, fake.subscribe("english"))
    stored(vietnamese, fake.subscribe("vietnamese"))
    stored(outside, fake.subscribe("outside"))
    notice = make_notice(
        audience=Audience.UNIT,
        unit=units["PE01"],
        category=Category.INCIDENT,
        title_vi="Mất điện khu vực Quận 1",
        title_en="Power cut in District 1",
        body_vi="Từ 8:00 đến 16:00.",
        body_en="From 8:00 to 16:00.",
        link="/customers/",
    )

    push_notice.call(notice.pk)

    assert fake.rejected == []
    assert sorted(fake.names()) == ["english", "vietnamese"]
    [english_push] = fake.pushes("english")
    assert english_push.data == {
        "title": "Power cut in District 1",
        "body": "From 8:00 to 16:00.",
        "url": "/customers/",
        "category": "INCIDENT",
    }
    [vietnamese_push] = fake.pushes("vietnamese")
    assert vietnamese_push.data["title"] == "Mất điện khu vực Quận 1"
    assert vietnamese_push.data["body"] == "Từ 8:00 đến 16:00."
    assert english_push.claims["aud"] == fake.origin
    assert english_push.claims["sub"] == settings.VAPID_SUBJECT
    assert english_push.ttl > 0
    fanout = PushFanout.objects.get(notice=notice)
    assert (fanout.sent, fanout.finished_at is not None) == (2, True)


def test_a_notice_without_a_link_opens_the_notice(saigon, fake):
    stored(saigon, fake.subscribe("phone"))
    notice = make_notice(title_vi="Tin mới", body_vi="x" * 1000)

    push_notice.call(notice.pk)

    [pushed] = fake.pushes()
    assert pushed.data["url"] == f"/notifications/{notice.pk}/"
    assert pushed.data["body"] == "x" * 300  # the payload stays small


def test_a_personal_notice_is_queued_and_pushed_to_the_linked_accounts(units, fake):
    owner, customer = linked_account("PE0100", language="en")
    tenant = factories.account(language="vi")
    factories.link(tenant, customer, relation="OTHER")
    stranger = factories.account()
    stored(owner, fake.subscribe("owner"))
    stored(tenant, fake.subscribe("tenant"))
    stored(stranger, fake.subscribe("stranger"))

    notice = services.notify_customers(
        customers=[customer],
        category=Category.BILL,
        render=lambda: ("Hóa đơn tháng 11", "Số tiền: 500.000 đ"),
        link=f"/customers/{customer.code}/",
        now=timezone.now(),
    )

    [job] = push_jobs()
    assert job.args_kwargs["args"] == [notice.pk]
    assert job in DBTaskResult.objects.ready()
    assert fake.pushes() == []  # nothing is sent by the request itself

    assert run_queue() == 1

    assert fake.rejected == []
    assert sorted(fake.names()) == ["owner", "tenant"]
    assert {sent.data["url"] for sent in fake.pushes()} == {f"/customers/{customer.code}/"}
    assert {sent.data["category"] for sent in fake.pushes()} == {"BILL"}


def test_notify_account_pushes_to_that_account_only(saigon, hanoi, fake):
    stored(saigon, fake.subscribe("saigon"))
    stored(hanoi, fake.subscribe("hanoi"))

    services.notify_account(
        account=saigon,
        category=Category.INCIDENT,
        render=lambda: ("Phản ánh đã được tiếp nhận", "Mã phản ánh 123"),
        now=timezone.now(),
    )
    run_queue()

    assert fake.names() == ["saigon"]


def test_an_account_with_the_category_switched_off_gets_nothing(saigon, hanoi, fake):
    stored(saigon, fake.subscribe("saigon"))
    stored(hanoi, fake.subscribe("hanoi"))
    services.set_push_preferences(account=saigon, preferences={"MEDIA": False})

    push_notice.call(make_notice(category=Category.MEDIA).pk)
    push_notice.call(make_notice(category=Category.BILL).pk)

    assert [(sent.name, sent.data["category"]) for sent in fake.pushes()] == [
        ("hanoi", "MEDIA"),
        ("saigon", "BILL"),
        ("hanoi", "BILL"),
    ]


def test_switching_another_category_off_keeps_this_one(saigon, fake):
    """An account with BILL off (and MEDIA chosen on) still gets MEDIA."""
    stored(saigon, fake.subscribe("saigon"))
    services.set_push_preferences(account=saigon, preferences={"BILL": False, "MEDIA": True})

    push_notice.call(make_notice(category=Category.MEDIA).pk)
    push_notice.call(make_notice(category=Category.BILL).pk)

    assert [sent.data["category"] for sent in fake.pushes()] == ["MEDIA"]


def test_an_account_linked_twice_in_the_unit_gets_one_push(units, fake):
    account, _ = linked_account("PE0100")
    factories.link(account, factories.customer(unit_code="PE0100"))
    stored(account, fake.subscribe("phone"))
    stored(account, fake.subscribe("tablet"))
    notice = make_notice(audience=Audience.UNIT, unit=units["EVNHCMC"])

    push_notice.call(notice.pk)

    assert sorted(fake.names()) == ["phone", "tablet"]


def test_a_customers_notice_reaches_only_the_listed_customers(units, fake):
    listed, customer = linked_account("PE0100")
    other, _ = linked_account("PE0100")
    stored(listed, fake.subscribe("listed"))
    stored(other, fake.subscribe("other"))

    push_notice.call(make_notice(audience=Audience.CUSTOMERS, customers=[customer]).pk)

    assert fake.names() == ["listed"]


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted(saigon, hanoi, fake, status):
    stored(saigon, fake.subscribe("gone", status=status))
    stored(hanoi, fake.subscribe("alive"))

    push_notice.call(make_notice().pk)

    assert sorted(fake.names()) == ["alive", "gone"]
    assert list(PushSubscription.objects.values_list("account", flat=True)) == [hanoi.pk]
    assert PushFanout.objects.get().sent == 1


def test_a_push_service_error_keeps_the_subscription(saigon, hanoi, fake, caplog):
    kept = stored(saigon, fake.subscribe("broken", status=500))
    stored(hanoi, fake.subscribe("alive"))

    push_notice.call(make_notice().pk)

    assert sorted(fake.names()) == ["alive", "broken"]
    assert PushSubscription.objects.filter(pk=kept.pk).exists()
    assert f"push to subscription {kept.pk} failed: 500" in caplog.text


def test_an_unreachable_push_service_does_not_stop_the_others(saigon, hanoi, fake, caplog):
    dead = stored(
        saigon,
        {
            "endpoint": f"http://127.0.0.1:{closed_port()}/push/dead",
            "keys": fake.subscribe("dead")["keys"],
        },
    )
    stored(hanoi, fake.subscribe("alive"))
    notice = make_notice()

    push_notice.call(notice.pk)

    assert fake.names() == ["alive"]
    assert PushSubscription.objects.filter(pk=dead.pk).exists()
    assert f"push to subscription {dead.pk} failed: ConnectionError" in caplog.text
    assert PushFanout.objects.get(notice=notice).finished_at is not None


def test_the_push_goes_out_in_batches_and_a_repeated_job_sends_nothing(settings, units, fake):
    settings.PUSH_BATCH = 2
    names = [f"device-{n}" for n in range(5)]
    for name in names:
        stored(linked_account("PE0100")[0], fake.subscribe(name))
    notice = make_notice()
    now = timezone.now()

    cursors = [0]
    while (
        cursor := push.send_batch(notice_id=notice.pk, after_id=cursors[-1], now=now)
    ) is not None:
        cursors.append(cursor)

    assert len(cursors) == 3  # 2 + 2 + 1
    assert sorted(fake.names()) == names
    for cursor in cursors:  # the same jobs once more
        assert push.send_batch(notice_id=notice.pk, after_id=cursor, now=now) is None
    assert sorted(fake.names()) == names
    fanout = PushFanout.objects.get(notice=notice)
    assert fanout.sent == 5
    assert fanout.cursor == max(PushSubscription.objects.values_list("id", flat=True))


def test_each_job_enqueues_the_next_batch(settings, units, fake):
    settings.PUSH_BATCH = 2
    for n in range(5):
        stored(linked_account("PE0100")[0], fake.subscribe(f"device-{n}"))
    notice = make_notice()

    push_notice.call(notice.pk)

    assert len(fake.pushes()) == 2
    [job] = push_jobs()
    assert job.args_kwargs["args"][0] == notice.pk

    assert run_queue() == 2

    assert sorted(fake.names()) == [f"device-{n}" for n in range(5)]
    push_notice.call(notice.pk)  # a repeated first job
    assert len(fake.pushes()) == 5
    assert push_jobs() == []


def test_a_scheduled_notice_is_pushed_at_its_time(saigon, fake):
    stored(saigon, fake.subscribe("phone"))
    now = timezone.now()
    at = now + timedelta(hours=2)
    notice = services.publish(notice=make_notice(draft=True), at=at, now=now)

    [job] = push_jobs()
    assert job.run_after == at
    assert job not in DBTaskResult.objects.ready()
    push_notice.call(notice.pk)  # too early (a worker running it before its time)
    assert push.send_batch(notice_id=notice.pk, after_id=0, now=at - timedelta(seconds=1)) is None
    assert fake.pushes() == []
    assert not PushFanout.objects.exists()

    assert push.send_batch(notice_id=notice.pk, after_id=0, now=at) is None  # one batch: done

    assert fake.names() == ["phone"]


def test_publishing_now_queues_a_push_to_run_at_once(saigon, fake):
    stored(saigon, fake.subscribe("phone"))
    now = timezone.now()
    notice = services.publish(notice=make_notice(draft=True), at=now, now=now)

    [job] = push_jobs()
    assert job in DBTaskResult.objects.ready()
    assert job.args_kwargs["args"] == [notice.pk]
    assert run_queue() == 1
    assert fake.names() == ["phone"]


def test_a_draft_is_never_pushed(saigon, fake):
    stored(saigon, fake.subscribe("phone"))
    draft = make_notice(draft=True)

    push_notice.call(draft.pk)

    assert fake.pushes() == []
    assert push_jobs() == []


def test_only_https_endpoints_of_known_push_services_are_allowed(settings):
    assert not push.allowed_endpoint("http://127.0.0.1:1/push/x")
    settings.PUSH_SERVICE_HOSTS = [*settings.PUSH_SERVICE_HOSTS, "127.0.0.1"]
    assert push.allowed_endpoint("http://127.0.0.1:1/push/x")
    assert push.allowed_endpoint("http://localhost:1/push/x") is False  # not in the list
    assert push.allowed_endpoint("https://fcm.googleapis.com/fcm/send/x")
    assert push.allowed_endpoint("https://web.push.apple.com/x")
    assert not push.allowed_endpoint("http://web.push.apple.com/x")
    assert not push.allowed_endpoint("https://xpush.apple.com/x")


# ---------------------------------------------------------------- the page and the worker script


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert 'addEventListener("push"' in script
    assert "showNotification" in script
    assert 'addEventListener("notificationclick"' in script


def test_the_push_box_is_hidden_until_the_script_shows_it(client, saigon, settings):
    client.force_login(saigon)
    html = client.get(SETTINGS_PAGE).content.decode()
    box = re.search(r"<div[^>]*data-push[^>]*>", html, re.S).group(0)
    assert re.search(r"\shidden[\s>]", box)
    assert f'data-key="{settings.VAPID_KEYS["public"]}"' in box
    assert f'data-url="{PAGE_PUSH}"' in box
    assert re.search(r'<script type="module" src="[^"]*cskh/push\.js"', html)


def test_the_script_asks_for_permission_only_when_the_button_is_pressed():
    script = Path(finders.find("cskh/push.js")).read_text(encoding="utf-8")
    click = script.index('addEventListener("click"')
    asks = [
        match.start()
        for match in re.finditer(
            r"requestPermission|pushManager\.subscribe|serviceWorker\.register", script
        )
    ]
    assert asks, "the script never subscribes"
    assert all(position > click for position in asks)
    assert "Notification." not in script[:click]
    assert "box.hidden = false" in script


# ---------------------------------------------------------------- the fake push service itself


def other_vapid_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64encode(key.private_numbers().private_value.to_bytes(32, "big"))


def forged(authorization: str, settings) -> str:
    """The token of `authorization` presented with the app's public key."""
    token = re.search(r"t=([^,\s]+)", authorization).group(1)
    return f"vapid t={token}, k={settings.VAPID_KEYS['public']}"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"vapid_private_key": "other"}, "not the app's VAPID public key"),
        ({"headers": "forged"}, "signature is not valid"),
        ({"vapid_claims": {"aud": "https://fcm.googleapis.com"}}, "is not the endpoint origin"),
        ({"vapid_claims": {"exp": "+48h"}}, "within the next 24 hours"),
        ({"vapid_claims": {"sub": "https://evn.com.vn"}}, "not a mailto: URL"),
        ({"content_encoding": "aesgcm"}, "Content-Encoding"),
        ({"keys": "other"}, "could not be decrypted"),
        ({"vapid_claims": None}, "not a VAPID Authorization header"),
    ],
)
def test_the_fake_refuses_what_a_push_service_would(fake, settings, change, reason):
    """The checks of the fake are real: a push that breaks one of them is refused."""
    info = fake.subscribe("phone")
    if change.get("keys") == "other":
        info = {**info, "keys": fake.subscribe("another")["keys"]}
    claims = {"sub": settings.VAPID_SUBJECT}
    if "vapid_claims" in change:
        claims = None if change["vapid_claims"] is None else {**claims, **change["vapid_claims"]}
    if claims and claims.get("exp") == "+48h":
        claims["exp"] = int(time.time()) + 48 * 3600
    key = other_vapid_key() if change.get("vapid_private_key") else settings.VAPID_KEYS["private"]
    headers = {}
    if change.get("headers") == "forged":
        signed = Vapid.from_string(other_vapid_key()).sign({**claims, "aud": fake.origin})
        headers["Authorization"] = forged(signed["Authorization"], settings)
        claims, key = None, None
    with pytest.raises(WebPushException) as raised:
        webpush(
            subscription_info=info,
            data='{"title": "x"}',
            vapid_private_key=key,
            vapid_claims=claims,
            headers=headers,
            ttl=60,
            content_encoding=change.get("content_encoding", "aes128gcm"),
        )
    assert raised.value.response.status_code == 400
    [refusal] = fake.rejected
    assert reason in refusal
    assert fake.pushes() == []


def test_the_fake_accepts_what_the_app_sends(fake, settings):
    response = webpush(
        subscription_info=fake.subscribe("phone"),
        data='{"title": "Xin chào"}',
        vapid_private_key=settings.VAPID_KEYS["private"],
        vapid_claims={"sub": settings.VAPID_SUBJECT},
        ttl=60,
    )
    assert response.status_code == 201
    assert [(sent.name, sent.data, sent.ttl) for sent in fake.pushes()] == [
        ("phone", {"title": "Xin chào"}, 60)
    ]
    assert fake.rejected == []
