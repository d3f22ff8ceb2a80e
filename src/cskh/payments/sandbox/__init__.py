"""VNPay's stand-in for the demo and the tests (mounted at /sandbox/vnpay/, never installed
in production): it speaks only the protocol (cskh.payments.vnpay) and knows nothing else of
this project, as VNPay would not."""
