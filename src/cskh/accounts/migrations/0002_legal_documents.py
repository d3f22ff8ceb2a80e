"""The first published terms of use and privacy notice (accepted at registration).

Later versions are added by staff in /staff/ as new rows; a version that accounts
accepted is never edited."""

from datetime import date

from django.db import migrations

TERMS_VI = """1. EVN CSKH là ứng dụng chăm sóc khách hàng của Tập đoàn Điện lực Việt Nam (EVN) và các Tổng công ty Điện lực.
2. Bạn đăng ký bằng số điện thoại di động của mình và chịu trách nhiệm giữ bí mật mật khẩu và mã xác thực (OTP). EVN không bao giờ hỏi mã OTP của bạn.
3. Bạn chỉ liên kết mã khách hàng của chính mình (chính chủ) hoặc mã khách hàng mà bạn được người đứng tên hợp đồng đồng ý cho theo dõi (không chính chủ). Người không chính chủ không xem được số điện thoại và số CCCD trên hợp đồng.
4. Thông tin về sản lượng, hóa đơn và lịch ngừng cung cấp điện hiển thị trong ứng dụng lấy từ hệ thống của đơn vị điện lực quản lý khách hàng; hóa đơn điện tử là căn cứ thanh toán.
5. Bạn có thể hủy liên kết mã khách hàng và xóa tài khoản bất cứ lúc nào trong mục Tài khoản.
6. Thắc mắc, khiếu nại: gọi tổng đài chăm sóc khách hàng của Tổng công ty Điện lực nơi bạn sử dụng điện."""

TERMS_EN = """1. EVN CSKH is the customer-care application of Vietnam Electricity (EVN) and its power corporations.
2. You register with your own mobile number and keep your password and one-time codes (OTP) secret. EVN never asks for your OTP.
3. You link only your own customer codes (as the holder) or codes whose contract holder lets you follow them (not the holder). Someone who is not the holder cannot see the phone number and the CCCD number on the contract.
4. Consumption, invoices and outage schedules shown in the application come from the systems of the power company that serves the customer; the electronic invoice is the basis for payment.
5. You can unlink a customer code and delete your account at any time under Account.
6. Questions and complaints: call the customer-care hotline of the power corporation that supplies you."""

PRIVACY_VI = """Thông báo xử lý dữ liệu cá nhân (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Nghị định 356/2025/NĐ-CP).
Dữ liệu được xử lý: họ tên, số điện thoại, số CCCD (nếu bạn cung cấp), thư điện tử (nếu bạn cung cấp), ngôn ngữ, các mã khách hàng bạn liên kết, thời điểm đồng ý.
Mục đích: xác thực tài khoản; cho phép bạn tra cứu thông tin sử dụng điện, hóa đơn, thanh toán; gửi thông báo về tiền điện, sự cố và lịch ngừng cung cấp điện.
Bên xử lý: EVN và Tổng công ty Điện lực quản lý các mã khách hàng bạn liên kết. Dữ liệu không được bán hay chuyển cho bên thứ ba vì mục đích quảng cáo.
Quyền của bạn: xem, sửa, tải về (mục Tài khoản › Dữ liệu của tôi), xóa tài khoản, rút lại sự đồng ý. Yêu cầu được phản hồi trong 02 ngày làm việc và hoàn thành trong 15 ngày.
Số CCCD luôn được che một phần khi hiển thị; nhân viên truy cập hồ sơ khách hàng đều được ghi nhật ký."""

PRIVACY_EN = """Personal-data notice (Law 91/2025/QH15 on Personal Data Protection, Decree 356/2025/ND-CP).
Data processed: full name, phone number, CCCD number (if you give it), e-mail (if you give it), language, the customer codes you link, the time you gave consent.
Purposes: authenticating your account; letting you look up electricity use, invoices and payments; sending notices about bills, incidents and planned outages.
Processors: EVN and the power corporations that serve the customer codes you link. Data is not sold or passed to third parties for advertising.
Your rights: see, correct, download (Account › My data), delete your account, withdraw consent. Requests are answered within 2 working days and completed within 15 days.
The CCCD number is always shown partly masked; every staff access to a customer record is logged."""


def publish(apps, schema_editor):
    LegalDocument = apps.get_model("accounts", "LegalDocument")
    for kind, body_vi, body_en in (
        ("TERMS", TERMS_VI, TERMS_EN),
        ("PRIVACY", PRIVACY_VI, PRIVACY_EN),
    ):
        LegalDocument.objects.get_or_create(
            kind=kind,
            version="1.0",
            defaults={"effective_date": date(2025, 11, 20), "body_vi": body_vi, "body_en": body_en},
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
