"""EVN's organisation for the demo: the five corporations with their hotlines
(domain/evn.md), and power companies and branches whose codes are the prefixes
of customer codes. Company and branch lists are a sample, not the full network."""

from datetime import date

HOTLINES_SINCE = date(2025, 12, 21)  # public launch of the app

# (code, name, hotlines, [(company code, company name, province, [(branch code, branch name,
#   district, [wards])]) ])
CORPORATIONS = [
    (
        "EVNHCMC",
        "Tổng công ty Điện lực TP. Hồ Chí Minh",
        ["1900 545454"],
        [
            (
                "PE01",
                "Công ty Điện lực Sài Gòn",
                "TP. Hồ Chí Minh",
                [
                    (
                        "PE0100",
                        "Điện lực Sài Gòn - Quận 1",
                        "Quận 1",
                        ["Phường Bến Nghé", "Phường Bến Thành", "Phường Đa Kao", "Phường Tân Định"],
                    ),
                    (
                        "PE0101",
                        "Điện lực Sài Gòn - Quận 3",
                        "Quận 3",
                        ["Phường Võ Thị Sáu", "Phường 4", "Phường 9", "Phường 14"],
                    ),
                ],
            ),
            (
                "PE10",
                "Công ty Điện lực Thủ Đức",
                "TP. Hồ Chí Minh",
                [
                    (
                        "PE1000",
                        "Điện lực Thủ Đức - Linh Trung",
                        "TP. Thủ Đức",
                        ["Phường Linh Trung", "Phường Linh Chiểu", "Phường Hiệp Phú"],
                    ),
                ],
            ),
        ],
    ),
    (
        "EVNHANOI",
        "Tổng công ty Điện lực TP. Hà Nội",
        ["1900 1288"],
        [
            (
                "PD01",
                "Công ty Điện lực Hoàn Kiếm",
                "Hà Nội",
                [
                    (
                        "PD0100",
                        "Điện lực Hoàn Kiếm",
                        "Quận Hoàn Kiếm",
                        [
                            "Phường Hàng Bạc",
                            "Phường Hàng Trống",
                            "Phường Tràng Tiền",
                            "Phường Lý Thái Tổ",
                        ],
                    ),
                ],
            ),
            (
                "PD02",
                "Công ty Điện lực Hai Bà Trưng",
                "Hà Nội",
                [
                    (
                        "PD0200",
                        "Điện lực Hai Bà Trưng",
                        "Quận Hai Bà Trưng",
                        ["Phường Bạch Mai", "Phường Lê Đại Hành", "Phường Minh Khai"],
                    ),
                ],
            ),
        ],
    ),
    (
        "EVNNPC",
        "Tổng công ty Điện lực miền Bắc",
        ["1900 6769"],
        [
            (
                "PM01",
                "Công ty Điện lực Hải Dương",
                "Hải Dương",
                [
                    (
                        "PM0100",
                        "Điện lực TP. Hải Dương",
                        "TP. Hải Dương",
                        ["Phường Trần Phú", "Phường Nguyễn Trãi", "Phường Phạm Ngũ Lão"],
                    ),
                ],
            ),
            (
                "PN01",
                "Công ty Điện lực Ninh Bình",
                "Ninh Bình",
                [
                    (
                        "PN0100",
                        "Điện lực TP. Ninh Bình",
                        "TP. Ninh Bình",
                        ["Phường Đông Thành", "Phường Vân Giang", "Phường Thanh Bình"],
                    ),
                ],
            ),
        ],
    ),
    (
        "EVNSPC",
        "Tổng công ty Điện lực miền Nam",
        ["1900 1006", "1900 9000"],
        [
            (
                "PK01",
                "Công ty Điện lực Đồng Nai",
                "Đồng Nai",
                [
                    (
                        "PK0100",
                        "Điện lực Biên Hòa",
                        "TP. Biên Hòa",
                        ["Phường Tân Phong", "Phường Trảng Dài", "Phường Quyết Thắng"],
                    ),
                ],
            ),
            (
                "PB01",
                "Công ty Điện lực Cần Thơ",
                "Cần Thơ",
                [
                    (
                        "PB0100",
                        "Điện lực Ninh Kiều",
                        "Quận Ninh Kiều",
                        ["Phường Tân An", "Phường An Hòa", "Phường Xuân Khánh"],
                    ),
                ],
            ),
        ],
    ),
    (
        "EVNCPC",
        "Tổng công ty Điện lực miền Trung",
        ["1900 1909"],
        [
            (
                "PP01",
                "Công ty Điện lực Đà Nẵng",
                "Đà Nẵng",
                [
                    (
                        "PP0100",
                        "Điện lực Hải Châu",
                        "Quận Hải Châu",
                        ["Phường Thạch Thang", "Phường Hải Châu 1", "Phường Phước Ninh"],
                    ),
                ],
            ),
            (
                "PQ01",
                "Công ty Điện lực Khánh Hòa",
                "Khánh Hòa",
                [
                    (
                        "PQ0100",
                        "Điện lực Nha Trang",
                        "TP. Nha Trang",
                        ["Phường Lộc Thọ", "Phường Vĩnh Hòa", "Phường Phước Hải"],
                    ),
                ],
            ),
        ],
    ),
]
