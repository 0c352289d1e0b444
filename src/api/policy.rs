//! The access policy: ONE pure table of role × action → rule, and the principal it is asked
//! about. No I/O here: [`super::access`] applies it to loaded objects (their region) and audits
//! the outcome; every resolver and HTTP route asks [`decide`] through it, nowhere else.
//!
//! | role | persons, families | offers | answer offers | payment orders | aggregates | audit trail | configuration | links, signals |
//! |---|---|---|---|---|---|---|---|---|
//! | analyst | own region | own region | — | own region | own region | — | — | — |
//! | investigator | scope + purpose | scope + purpose | — | scope + purpose | own region | — | — | scope + purpose |
//!
//! Cases: investigators open, change and read cases of their region scope (under a purpose);
//! auditors read every case.
//! | operator | — | own region | own region | own region | own region | — | — | — |
//! | partner | — | — | — | — | own region | — | — | — |
//!
//! Ingest jobs (submit, read): partners only, each its own jobs (not bound to a region).
//! | auditor | — | — | — | — | — | yes | — | — |
//! | admin | — | — | — | — | own region | — | yes | — |
//!
//! Partner integration (`events`, `dci`): partners manage their own event subscriptions and
//! receive events of their region (analysts may receive events too); the DCI API is open to
//! partners, analysts and investigators (under a purpose), and each record it returns also needs
//! the record's own read action above.
//!
//! "Own region" is the token's region claim (`*` = national). An investigator reads only under a
//! declared purpose or case id, which the audit trail records with every read. Partners see
//! aggregates and (with the partner API) their own submissions and the decisions addressed to
//! them: never a person card. Full identifiers (IIN, IBAN) are shown to analysts, investigators
//! and auditors (in the trail); every other role gets them masked, in every string of every
//! answer.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Social-protection analyst: reads families and persons of their region.
    Analyst,
    /// Investigator: reads links and evidence under a case or purpose, sees full identifiers.
    Investigator,
    /// Operator of the proactive flow: reads and answers offers of their region.
    Operator,
    /// Integration partner: aggregates, its own submissions, decisions addressed to it.
    Partner,
    /// Reads the audit trail.
    Auditor,
    /// Configuration of the service; no personal data.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Analyst,
        Role::Investigator,
        Role::Operator,
        Role::Partner,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Investigator => "investigator",
            Role::Operator => "operator",
            Role::Partner => "partner",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Whether answers show full IINs and IBANs to this role (otherwise masked everywhere).
    /// Auditors read only the audit trail, whose point is which persons were read.
    pub fn sees_full_identifiers(self) -> bool {
        matches!(self, Role::Analyst | Role::Investigator | Role::Auditor)
    }
}

/// The region a principal may see: one region code, or the whole country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RegionScope {
    National,
    Region(String),
}

impl RegionScope {
    pub fn parse(s: &str) -> RegionScope {
        match s.trim() {
            "*" => RegionScope::National,
            r => RegionScope::Region(r.to_string()),
        }
    }
    pub fn covers(&self, region: Option<&str>) -> bool {
        match self {
            RegionScope::National => true,
            RegionScope::Region(r) => region == Some(r.as_str()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            RegionScope::National => "*",
            RegionScope::Region(r) => r,
        }
    }
}

/// Who is asking: built only from a validated access token ([`super::auth`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`.
    pub subject: String,
    pub role: Role,
    pub region: RegionScope,
    /// The partner (client) id of a partner's token.
    pub partner_id: Option<String>,
    /// Declared purpose of access (a case id for investigators), recorded in the audit trail.
    pub purpose: Option<String>,
    /// The token's `jti`, when it has one (audit).
    pub token_id: Option<String>,
}

impl Principal {
    pub fn sees_full_identifiers(&self) -> bool {
        self.role.sees_full_identifiers()
    }
}

/// What a request does to an object type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ReadPerson,
    ReadFamily,
    ReadOffer,
    AnswerOffer,
    ReadPaymentOrder,
    ReadAggregates,
    ReadAudit,
    ReadConfiguration,
    /// Link slices, paths, timelines and fraud signals (investigators' tools).
    ReadLinks,
    /// Submit a bulk ingest job (partners; the job is theirs).
    SubmitIngest,
    /// Read one's own ingest jobs, their counts and reports.
    ReadIngestJob,
    /// Create, list, change and delete one's own event subscriptions (webhooks).
    ManageSubscriptions,
    /// Receive change events (webhooks, the GraphQL subscription), within the region scope.
    ReceiveEvents,
    /// Use the DCI social-registry API; each record it returns also needs the read action of
    /// its kind (a DCI search shows nothing GraphQL would not show the same principal).
    DciSearch,
    /// Open investigators' cases and change them (subjects, notes, views, status).
    ManageCases,
    /// Read investigators' cases (auditors: every case, for oversight).
    ReadCases,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::ReadPerson,
        Action::ReadFamily,
        Action::ReadOffer,
        Action::AnswerOffer,
        Action::ReadPaymentOrder,
        Action::ReadAggregates,
        Action::ReadAudit,
        Action::ReadConfiguration,
        Action::ReadLinks,
        Action::SubmitIngest,
        Action::ReadIngestJob,
        Action::ManageSubscriptions,
        Action::ReceiveEvents,
        Action::DciSearch,
        Action::ManageCases,
        Action::ReadCases,
    ];
}

/// The rule for one role and action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Deny,
    /// Objects in the principal's region scope.
    InScope,
    /// Objects in the principal's region scope, and only with a declared purpose.
    InScopeWithPurpose,
    /// Not bound to a region (the audit trail, configuration).
    Always,
}

/// THE table (see the module doc).
pub const fn rule(role: Role, action: Action) -> Rule {
    use Action::*;
    use Role::*;
    use Rule::*;
    match (role, action) {
        (Analyst, ReadPerson | ReadFamily | ReadOffer | ReadPaymentOrder | ReadAggregates) => {
            InScope
        }
        (Investigator, ReadPerson | ReadFamily | ReadOffer | ReadPaymentOrder | ReadLinks) => {
            InScopeWithPurpose
        }
        (Investigator, ReadAggregates) => InScope,
        (Operator, ReadOffer | AnswerOffer | ReadPaymentOrder | ReadAggregates) => InScope,
        (Partner, ReadAggregates | ManageSubscriptions | ReceiveEvents | DciSearch) => InScope,
        // Not bound to a region: a partner's jobs are its own (the route checks the owner).
        (Partner, SubmitIngest | ReadIngestJob) => Always,
        (Analyst, ReceiveEvents | DciSearch) => InScope,
        (Investigator, DciSearch | ManageCases | ReadCases) => InScopeWithPurpose,
        (Auditor, ReadCases) => Always,
        (Auditor, ReadAudit) => Always,
        (Admin, ReadAggregates) => InScope,
        (Admin, ReadConfiguration) => Always,
        _ => Deny,
    }
}

/// Why a request was refused (the client sees the sentence; the audit trail the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    Role,
    Region,
    NoPurpose,
}

impl Denial {
    pub fn code(&self) -> &'static str {
        match self {
            Denial::Role => "denied_role",
            Denial::Region => "denied_region",
            Denial::NoPurpose => "denied_no_purpose",
        }
    }
    pub fn message(&self, action: Action) -> String {
        match self {
            Denial::Role => format!("your role may not {}", action_words(action)),
            Denial::Region => "this object is outside your region scope".into(),
            Denial::NoPurpose => {
                "investigators read personal data only under a case: the token needs a purpose claim"
                    .into()
            }
        }
    }
}

fn action_words(a: Action) -> &'static str {
    match a {
        Action::ReadPerson => "read person cards",
        Action::ReadFamily => "read family cards",
        Action::ReadOffer => "read offers",
        Action::AnswerOffer => "answer offers on a citizen's behalf",
        Action::ReadPaymentOrder => "read payment orders",
        Action::ReadAggregates => "read aggregates",
        Action::ReadAudit => "read the audit trail",
        Action::ReadConfiguration => "read the configuration",
        Action::ReadLinks => "read link slices and fraud signals",
        Action::SubmitIngest => "submit ingest jobs",
        Action::ReadIngestJob => "read ingest jobs",
        Action::ManageSubscriptions => "manage event subscriptions",
        Action::ReceiveEvents => "receive change events",
        Action::DciSearch => "use the social-registry (DCI) API",
        Action::ManageCases => "open or change investigators' cases",
        Action::ReadCases => "read investigators' cases",
    }
}

/// Whether `who` may do `action` on an object in `region` (`None`: the object has no known
/// region, which only a national scope covers). Checked before and after loading: before with
/// `region_known = false` for the role and purpose, after with the object's region.
pub fn decide(who: &Principal, action: Action, region: Option<&str>) -> Result<(), Denial> {
    match rule(who.role, action) {
        Rule::Deny => Err(Denial::Role),
        Rule::Always => Ok(()),
        Rule::InScope => in_scope(who, region),
        Rule::InScopeWithPurpose => {
            if who.purpose.as_deref().is_none_or(|p| p.trim().is_empty()) {
                Err(Denial::NoPurpose)
            } else {
                in_scope(who, region)
            }
        }
    }
}

/// The role (and purpose) part of [`decide`], before the object and its region are known.
pub fn decide_role(who: &Principal, action: Action) -> Result<(), Denial> {
    decide(who, action, None).or_else(|d| match d {
        Denial::Region => Ok(()),
        other => Err(other),
    })
}

fn in_scope(who: &Principal, region: Option<&str>) -> Result<(), Denial> {
    if who.region.covers(region) {
        Ok(())
    } else {
        Err(Denial::Region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, region: &str, purpose: Option<&str>) -> Principal {
        Principal {
            subject: "t".into(),
            role,
            region: RegionScope::parse(region),
            partner_id: None,
            purpose: purpose.map(str::to_string),
            token_id: None,
        }
    }

    /// The whole matrix, written out: a change to the table must change this test.
    #[test]
    fn the_role_matrix() {
        use Action::*;
        use Rule::*;
        let expected: &[(Role, [Rule; 16])] = &[
            // person, family, offer, answer, payment, aggregates, audit, config, links,
            // submit ingest, read ingest job, subscriptions, events, dci, manage cases, read cases
            (
                Role::Analyst,
                [
                    InScope, InScope, InScope, Deny, InScope, InScope, Deny, Deny, Deny, Deny,
                    Deny, Deny, InScope, InScope, Deny, Deny,
                ],
            ),
            (
                Role::Investigator,
                [
                    InScopeWithPurpose,
                    InScopeWithPurpose,
                    InScopeWithPurpose,
                    Deny,
                    InScopeWithPurpose,
                    InScope,
                    Deny,
                    Deny,
                    InScopeWithPurpose,
                    Deny,
                    Deny,
                    Deny,
                    Deny,
                    InScopeWithPurpose,
                    InScopeWithPurpose,
                    InScopeWithPurpose,
                ],
            ),
            (
                Role::Operator,
                [
                    Deny, Deny, InScope, InScope, InScope, InScope, Deny, Deny, Deny, Deny, Deny,
                    Deny, Deny, Deny, Deny, Deny,
                ],
            ),
            (
                Role::Partner,
                [
                    Deny, Deny, Deny, Deny, Deny, InScope, Deny, Deny, Deny, Always, Always,
                    InScope, InScope, InScope, Deny, Deny,
                ],
            ),
            (
                Role::Auditor,
                [
                    Deny, Deny, Deny, Deny, Deny, Deny, Always, Deny, Deny, Deny, Deny, Deny, Deny,
                    Deny, Deny, Always,
                ],
            ),
            (
                Role::Admin,
                [
                    Deny, Deny, Deny, Deny, Deny, InScope, Deny, Always, Deny, Deny, Deny, Deny,
                    Deny, Deny, Deny, Deny,
                ],
            ),
        ];
        let actions = [
            ReadPerson,
            ReadFamily,
            ReadOffer,
            AnswerOffer,
            ReadPaymentOrder,
            ReadAggregates,
            ReadAudit,
            ReadConfiguration,
            ReadLinks,
            SubmitIngest,
            ReadIngestJob,
            ManageSubscriptions,
            ReceiveEvents,
            DciSearch,
            ManageCases,
            ReadCases,
        ];
        assert_eq!(actions, Action::ALL);
        for (role, rules) in expected {
            for (a, r) in actions.iter().zip(rules) {
                assert_eq!(rule(*role, *a), *r, "{role:?} × {a:?}");
            }
        }
        assert_eq!(expected.len(), Role::ALL.len());
    }

    #[test]
    fn region_scope_and_purpose_are_enforced() {
        let almaty = who(Role::Analyst, "75", None);
        assert_eq!(decide(&almaty, Action::ReadFamily, Some("75")), Ok(()));
        assert_eq!(
            decide(&almaty, Action::ReadFamily, Some("71")),
            Err(Denial::Region)
        );
        assert_eq!(
            decide(&almaty, Action::ReadFamily, None),
            Err(Denial::Region)
        );
        let national = who(Role::Analyst, "*", None);
        assert_eq!(decide(&national, Action::ReadFamily, None), Ok(()));

        let inv = who(Role::Investigator, "*", None);
        assert_eq!(
            decide(&inv, Action::ReadPerson, Some("75")),
            Err(Denial::NoPurpose)
        );
        let inv = who(Role::Investigator, "*", Some("CASE-1"));
        assert_eq!(decide(&inv, Action::ReadPerson, Some("75")), Ok(()));

        let partner = who(Role::Partner, "*", None);
        assert_eq!(decide_role(&partner, Action::ReadPerson), Err(Denial::Role));
        assert_eq!(decide_role(&almaty, Action::ReadFamily), Ok(()));
    }

    #[test]
    fn only_analysts_investigators_and_auditors_see_full_identifiers() {
        let full: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.sees_full_identifiers())
            .collect();
        assert_eq!(full, vec![Role::Analyst, Role::Investigator, Role::Auditor]);
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
