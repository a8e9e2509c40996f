"""The controlled list of units an indicator may use.

`base` is the Prometheus-style base unit name used in metric names and dashboards; `bounded` units hold values
between 0 and 100; `counts` cannot be negative.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    symbol_vi: str
    name_en: str
    grafana: str  # Grafana's unit id for panels
    bounded: bool = False
    counts: bool = False
    may_be_negative: bool = False

    @property
    def decimals(self) -> int:
        """The most decimals a value is shown with (reports, dashboards): counts are whole."""
        return 0 if self.counts else 2


UNITS: dict[str, Unit] = {
    unit.code: unit
    for unit in [
        Unit("percent", "%", "percent", "percent", bounded=True),
        Unit("percent_change", "%", "percent change on the previous year", "percent", may_be_negative=True),
        Unit("percentage_points", "điểm %", "percentage points", "none", may_be_negative=True),
        Unit("billion_vnd", "tỷ đồng", "billion VND", "none"),
        Unit("million_vnd", "triệu đồng", "million VND", "none"),
        Unit("usd", "USD", "US dollars", "currencyUSD"),
        Unit("million_usd", "triệu USD", "million US dollars", "none"),
        Unit("per_10000_people", "/vạn dân", "per 10,000 people", "none"),
        Unit("times", "lần", "multiple of a base value", "none"),
        Unit("megawatts", "MW", "megawatts", "megwatt"),
        Unit("hectares", "ha", "hectares", "none"),
        Unit("kilometres", "km", "kilometres", "lengthkm"),
        Unit("square_kilometres", "km²", "square kilometres", "none"),
        Unit("lanes", "làn xe", "traffic lanes", "none", counts=True),
        Unit("roads", "tuyến", "roads (routes)", "none", counts=True),
        Unit("kilovolts", "kV", "kilovolts", "kvolt"),
        Unit("rank", "hạng", "rank among the provinces (1 = first)", "none", counts=True),
        Unit("million_visitors", "triệu lượt khách", "million visitors", "none"),
        Unit("communes", "xã", "communes", "none", counts=True),
        Unit("districts", "huyện", "districts", "none", counts=True),
        Unit("party_members", "đảng viên", "party members", "none", counts=True),
        Unit("cooperatives", "hợp tác xã", "cooperatives", "none", counts=True),
        Unit("enterprises", "doanh nghiệp", "enterprises", "none", counts=True),
        Unit("people", "người", "people", "none", counts=True),
        Unit("households", "hộ", "households", "none", counts=True),
        Unit("schools", "trường", "schools", "none", counts=True),
        Unit("projects", "dự án", "projects", "none", counts=True),
        Unit("products", "sản phẩm", "products", "none", counts=True),
        Unit("tonnes", "tấn", "tonnes", "masst"),
        Unit("items", "đơn vị", "items counted (the noun is in the indicator's name)", "none", counts=True),
        Unit("doctors_per_10000", "bác sĩ/vạn dân", "doctors per 10,000 people", "none"),
        Unit("beds_per_10000", "giường bệnh/vạn dân", "hospital beds per 10,000 people", "none"),
    ]
}
