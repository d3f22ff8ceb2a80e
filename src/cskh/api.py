"""The public JSON API /api/v1 (django-ninja); OpenAPI at /api/v1/docs."""

from ninja import NinjaAPI

from cskh.accounts.api import auth_router, me_router
from cskh.billing.api import invoices_router
from cskh.billing.api import router as tariffs_router
from cskh.billing.ingest_api import router as invoices_ingest_router
from cskh.core import api as core_api
from cskh.customers.api import router as customers_router
from cskh.incidents.api import router as incidents_router
from cskh.metering.api import router as metering_router
from cskh.metering.ingest_api import router as ingest_router
from cskh.notifications.api import router as notifications_router
from cskh.outages.api import router as outages_router
from cskh.payments.api import callbacks as payment_callbacks
from cskh.payments.api import router as payments_router


class Api(NinjaAPI):
    """The API, whose OpenAPI document shows one bearer scheme per credential: ninja
    names a scheme after its auth class, and the meter-data routes check the same
    access token as `/me` with a class of their own, so the docs would ask for it
    twice."""

    SAME_SCHEME = {"LinkedBearer": "TokenAuth"}  # metering.api's, accounts.api's

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schemes = schema.get("components", {}).get("securitySchemes", {})
        for alias in self.SAME_SCHEME:
            schemes.pop(alias, None)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = [
                        {self.SAME_SCHEME.get(name, name): scopes for name, scopes in item.items()}
                        for item in operation["security"]
                    ]
        return schema


api = Api(
    title="EVN CSKH API",
    version="1",
    description="The API of EVN's customer-care app. Errors: "
    '{"error": {"code", "message", "fields"}}; messages follow Accept-Language (vi, en).',
    urls_namespace="api",
)
core_api.install(api)
api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/customers", customers_router)
api.add_router("/customers", metering_router)  # /{code}/consumption, /readings, /export
api.add_router("/notifications", notifications_router)
api.add_router("/outages", outages_router)
api.add_router("/incidents", incidents_router)
api.add_router("/ingest", ingest_router)  # /readings, /batches/{id}
api.add_router("/ingest", invoices_ingest_router)  # /invoices
api.add_router("/tariffs", tariffs_router)
api.add_router("/invoices", invoices_router)
api.add_router("/payments", payment_callbacks)  # /vnpay/ipn, /momo/ipn, /zalopay/callback
api.add_router("/payments", payments_router)
