//! The printable receipt: HTML laid out for 80 mm thermal paper (72 mm printable), with the
//! store's legal details, the lines and their discounts, tax per rate, totals and tenders.
//! Every text from data is HTML-escaped.

use chainsync_domain::pricing::{Payment, PricedCart};
use chainsync_storage::sales::SaleRecord;
use chainsync_storage::stores::StoreRecord;
use std::fmt::Write;

#[derive(Debug)]
pub struct ReceiptData<'a> {
    pub store: &'a StoreRecord,
    pub terminal_code: &'a str,
    pub sale: &'a SaleRecord,
    pub priced: &'a PricedCart,
    pub payments: &'a [Payment],
    pub product_names: &'a [String],
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Minor units as a decimal amount with the currency's exponent (`1250` EUR → `12.50`).
pub fn amount(minor: i64, currency: &str) -> String {
    let exponent = chainsync_domain::money::Currency::parse(currency).map_or(2, |c| c.exponent());
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(u32::from(exponent));
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        minor.abs() / scale,
        minor.abs() % scale,
        width = usize::from(exponent)
    )
}

fn quantity(qty: i64, weighed: bool) -> String {
    if weighed {
        format!("{}.{:03}", qty / 1000, qty % 1000)
    } else {
        qty.to_string()
    }
}

pub fn render(d: &ReceiptData<'_>) -> String {
    let cur = &d.sale.currency;
    let tz: chrono_tz::Tz = d.store.timezone.parse().unwrap_or(chrono_tz::UTC);
    let when = chrono::DateTime::from_timestamp_millis(d.sale.occurred_at)
        .unwrap_or_default()
        .with_timezone(&tz);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Receipt {receipt}</title><style>\
         @page {{ size: 80mm auto; margin: 0 }} body {{ width: 72mm; margin: 4mm; font: 12px/1.35 ui-monospace, monospace; color: #000 }} \
         h1 {{ font-size: 15px; text-align: center; margin: 0 }} .c {{ text-align: center }} table {{ width: 100%; border-collapse: collapse }} \
         td {{ vertical-align: top; padding: 0 }} td.r {{ text-align: right; white-space: nowrap }} .t td {{ font-weight: bold; font-size: 14px; border-top: 1px dashed #000 }} \
         .m {{ color: #333 }} hr {{ border: 0; border-top: 1px dashed #000 }}</style></head><body>\
         <h1>{name}</h1><p class=\"c\">{address}<br>{tax_id}</p><hr><p>Receipt {receipt}<br>{when}<br>Till {till}</p><table>",
        receipt = escape(&d.sale.receipt_number),
        name = escape(&d.store.name),
        address = escape(
            [
                d.store.address.as_deref().unwrap_or(""),
                d.store.city.as_deref().unwrap_or("")
            ]
            .join(" ")
            .trim()
        ),
        tax_id = d
            .store
            .tax_id
            .as_deref()
            .map(|t| format!("Tax id {}", escape(t)))
            .unwrap_or_default(),
        when = when.format("%Y-%m-%d %H:%M"),
        till = escape(d.terminal_code),
    );
    for (line, name) in d.priced.lines.iter().zip(d.product_names) {
        let weighed = line.unit == chainsync_domain::pricing::SaleUnit::Weighed;
        let _ = write!(
            out,
            "<tr><td>{name}<br><span class=\"m\">{qty} × {price}</span></td><td class=\"r\">{gross}</td></tr>",
            name = escape(name),
            qty = quantity(line.quantity, weighed),
            price = amount(line.unit_price_minor, cur),
            gross = amount(line.gross_minor, cur),
        );
        if line.discount_minor != 0 {
            let _ = write!(
                out,
                "<tr class=\"m\"><td>&nbsp;&nbsp;discount</td><td class=\"r\">-{}</td></tr>",
                amount(line.discount_minor, cur)
            );
        }
    }
    let _ = write!(
        out,
        "<tr class=\"t\"><td>TOTAL {cur}</td><td class=\"r\">{}</td></tr></table><hr><table>",
        amount(d.priced.totals.total_minor, cur),
        cur = escape(cur)
    );
    for rate in &d.priced.tax_breakdown {
        let _ = write!(
            out,
            "<tr class=\"m\"><td>Tax {pct}% on {net}</td><td class=\"r\">{tax}</td></tr>",
            pct = amount(i64::from(rate.rate_bps), "EUR"),
            net = amount(rate.total_excl_tax_minor, cur),
            tax = amount(rate.tax_minor, cur),
        );
    }
    let _ = write!(out, "</table><hr><table>");
    for payment in d.payments {
        let (label, value) = match payment {
            Payment::Cash { tendered_minor } => ("Cash".to_owned(), *tendered_minor),
            Payment::Card {
                amount_minor,
                reference,
            } => (format!("Card {}", escape(reference)), *amount_minor),
            Payment::Other {
                amount_minor,
                method,
                ..
            } => (escape(method), *amount_minor),
        };
        let _ = write!(
            out,
            "<tr><td>{label}</td><td class=\"r\">{}</td></tr>",
            amount(value, cur)
        );
    }
    if let Some(settlement) = &d.priced.settlement {
        if settlement.change_minor != 0 {
            let _ = write!(
                out,
                "<tr><td>Change</td><td class=\"r\">{}</td></tr>",
                amount(settlement.change_minor, cur)
            );
        }
        if settlement.cash_rounding_minor != 0 {
            let _ = write!(
                out,
                "<tr class=\"m\"><td>Cash rounding</td><td class=\"r\">{}</td></tr>",
                amount(settlement.cash_rounding_minor, cur)
            );
        }
    }
    let _ = write!(
        out,
        "</table><hr><p class=\"c\">Thank you!</p></body></html>"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_currency_exponent() {
        assert_eq!(amount(1250, "EUR"), "12.50");
        assert_eq!(amount(-5, "EUR"), "-0.05");
        assert_eq!(amount(1250, "JPY"), "1250");
        assert_eq!(amount(1900, "EUR"), "19.00");
    }

    #[test]
    fn markup_in_data_is_escaped() {
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}
