//! (10) Pension-age notification: a member who reaches pension age (63 men, 61 women, from the
//! legal parameters) shortly before or after the date is notified that they may be entitled to
//! pension payments [Inf: the trigger window].

use super::*;
use chrono::Duration;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::PensionAgeNotification;
    let r = &c.r.pension_notification;
    let mut out = vec![];
    for m in &c.s.members {
        let age = c.pension_age(m);
        let reaches = add_months(m.facts.person.birth_date, age * 12);
        if !(reaches - Duration::days(r.days_before) <= c.d
            && c.d < reaches + Duration::days(r.days_after))
        {
            continue;
        }
        out.push(c.entitlement(
            k,
            vec![c.inferred(
                k,
                &format!(
                    "reaches pension age within {} days before or {} days after the date",
                    r.days_before, r.days_after
                ),
                true,
                format!(
                    "{} born {}, pension age {age} ({}), reached on {reaches}",
                    m.iin(),
                    m.facts.person.birth_date,
                    c.p.pension_age.source
                ),
            )],
            None,
            Payment::Notification,
            Some(Period {
                from: reaches,
                to: None,
            }),
            Some(c.recipient(m)),
            None,
        ));
    }
    Ok(out)
}
