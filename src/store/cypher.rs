//! Every Cypher statement the service runs, embedded at compile time from `cypher/*.cypher`.
//! Statements take parameters only; nothing is spliced into their text.

pub const CASE_GET: &str = include_str!("../../cypher/case_get.cypher");
pub const CASE_PAGE: &str = include_str!("../../cypher/case_page.cypher");
pub const CASE_CREATE: &str = include_str!("../../cypher/case_create.cypher");
pub const CASE_UPDATE: &str = include_str!("../../cypher/case_update.cypher");
pub const SIGNAL_NAMING: &str = include_str!("../../cypher/signal_naming.cypher");
pub const SIGNAL_RING_FACTS: &str = include_str!("../../cypher/signal_ring_facts.cypher");
pub const CARD_COMPOSITION: &str = include_str!("../../cypher/card_composition.cypher");
pub const CARD_ASSETS: &str = include_str!("../../cypher/card_assets.cypher");
pub const COUNTS: &str = include_str!("../../cypher/counts.cypher");
pub const DASHBOARD_ENTITLEMENTS: &str = include_str!("../../cypher/dashboard_entitlements.cypher");
pub const DASHBOARD_JOB_RUNS: &str = include_str!("../../cypher/dashboard_job_runs.cypher");
pub const DASHBOARD_OFFERS: &str = include_str!("../../cypher/dashboard_offers.cypher");
pub const DASHBOARD_WELLBEING_BY_REGION: &str =
    include_str!("../../cypher/dashboard_wellbeing_by_region.cypher");
pub const DASHBOARD_WELLBEING_DATES: &str =
    include_str!("../../cypher/dashboard_wellbeing_dates.cypher");
pub const DCI_FAMILIES_BY_PREDICATE: &str =
    include_str!("../../cypher/dci_families_by_predicate.cypher");
pub const DCI_TRANSACTION_GET: &str = include_str!("../../cypher/dci_transaction_get.cypher");
pub const DCI_TRANSACTION_SAVE: &str = include_str!("../../cypher/dci_transaction_save.cypher");
pub const ENTITLEMENTS_OF_FAMILY: &str = include_str!("../../cypher/entitlements_of_family.cypher");
pub const ENTITLEMENTS_RECORD: &str = include_str!("../../cypher/entitlements_record.cypher");
pub const ENTITLEMENTS_SUMMARY: &str = include_str!("../../cypher/entitlements_summary.cypher");
pub const EVENTS_BENCH_DUE_SCAN: &str = include_str!("../../cypher/events_bench_due_scan.cypher");
pub const EVENTS_BENCH_READ: &str = include_str!("../../cypher/events_bench_read.cypher");
pub const EVENTS_BENCH_SEED: &str = include_str!("../../cypher/events_bench_seed.cypher");
pub const EVENTS_DELIVERIES_DUE: &str = include_str!("../../cypher/events_deliveries_due.cypher");
pub const EVENTS_DELIVERY_ATTEMPT: &str =
    include_str!("../../cypher/events_delivery_attempt.cypher");
pub const EVENTS_DELIVERY_LOG: &str = include_str!("../../cypher/events_delivery_log.cypher");
pub const EVENTS_FAN_OUT: &str = include_str!("../../cypher/events_fan_out.cypher");
pub const EVENTS_NEW: &str = include_str!("../../cypher/events_new.cypher");
pub const EVENTS_PENDING_BACKFILL: &str =
    include_str!("../../cypher/events_pending_backfill.cypher");
pub const EVENTS_PENDING_COUNT: &str = include_str!("../../cypher/events_pending_count.cypher");
pub const FAMILIES_COUNT: &str = include_str!("../../cypher/families_count.cypher");
pub const FAMILIES_PAGE: &str = include_str!("../../cypher/families_page.cypher");
pub const FAMILIES_RANGE_PAGE: &str = include_str!("../../cypher/families_range_page.cypher");
pub const FAMILY_BY_ID: &str = include_str!("../../cypher/family_by_id.cypher");
pub const FAMILY_CANDIDATES_PAGE: &str = include_str!("../../cypher/family_candidates_page.cypher");
pub const FAMILY_NEIGHBOURHOOD: &str = include_str!("../../cypher/family_neighbourhood.cypher");
pub const FAMILY_NEIGHBOURHOOD_BY_ID: &str =
    include_str!("../../cypher/family_neighbourhood_by_id.cypher");
pub const INBOUND_SMS_OUTCOME: &str = include_str!("../../cypher/inbound_sms_outcome.cypher");
pub const INBOUND_SMS_RECORD: &str = include_str!("../../cypher/inbound_sms_record.cypher");
pub const INBOUND_SMS_RECENT_FAILURES: &str =
    include_str!("../../cypher/inbound_sms_recent_failures.cypher");
pub const INGEST_ADDICTIONS: &str = include_str!("../../cypher/ingest_addictions.cypher");
pub const INGEST_ADDRESSES: &str = include_str!("../../cypher/ingest_addresses.cypher");
pub const INGEST_AWARDS: &str = include_str!("../../cypher/ingest_awards.cypher");
pub const GRAPH_DUMP_PAGE: &str = include_str!("../../cypher/graph_dump_page.cypher");
pub const INGEST_BANK_ACCOUNTS: &str = include_str!("../../cypher/ingest_bank_accounts.cypher");
pub const INGEST_BENEFITS: &str = include_str!("../../cypher/ingest_benefits.cypher");
pub const INGEST_BUSINESSES: &str = include_str!("../../cypher/ingest_businesses.cypher");
pub const INGEST_CONTRIBUTIONS: &str = include_str!("../../cypher/ingest_contributions.cypher");
pub const INGEST_CONVICTIONS: &str = include_str!("../../cypher/ingest_convictions.cypher");
pub const INGEST_DISABILITIES: &str = include_str!("../../cypher/ingest_disabilities.cypher");
pub const INGEST_DISEASES: &str = include_str!("../../cypher/ingest_diseases.cypher");
pub const INGEST_EDUCATION: &str = include_str!("../../cypher/ingest_education.cypher");
pub const INGEST_EMPLOYMENTS: &str = include_str!("../../cypher/ingest_employments.cypher");
pub const INGEST_FARMS: &str = include_str!("../../cypher/ingest_farms.cypher");
pub const INGEST_GUARDIANSHIPS: &str = include_str!("../../cypher/ingest_guardianships.cypher");
pub const INGEST_HEALTH_ATTACHMENTS: &str =
    include_str!("../../cypher/ingest_health_attachments.cypher");
pub const INGEST_HEALTH_INSURANCE: &str =
    include_str!("../../cypher/ingest_health_insurance.cypher");
pub const INGEST_INCOMES: &str = include_str!("../../cypher/ingest_incomes.cypher");
pub const INGEST_LAND_PLOTS: &str = include_str!("../../cypher/ingest_land_plots.cypher");
pub const INGEST_LOANS: &str = include_str!("../../cypher/ingest_loans.cypher");
pub const INGEST_MARRIAGES: &str = include_str!("../../cypher/ingest_marriages.cypher");
pub const INGEST_PARENT_LINKS: &str = include_str!("../../cypher/ingest_parent_links.cypher");
pub const INGEST_PERSONS: &str = include_str!("../../cypher/ingest_persons.cypher");
pub const INGEST_PREGNANCIES: &str = include_str!("../../cypher/ingest_pregnancies.cypher");
pub const INGEST_REAL_ESTATE: &str = include_str!("../../cypher/ingest_real_estate.cypher");
pub const INGEST_REGISTRATIONS: &str = include_str!("../../cypher/ingest_registrations.cypher");
pub const INGEST_UNEMPLOYMENT: &str = include_str!("../../cypher/ingest_unemployment.cypher");
pub const INGEST_VEHICLES: &str = include_str!("../../cypher/ingest_vehicles.cypher");
pub const JOB_CHECKPOINT_GET: &str = include_str!("../../cypher/job_checkpoint_get.cypher");
pub const JOB_CHECKPOINT_SAVE: &str = include_str!("../../cypher/job_checkpoint_save.cypher");
pub const LINKS_PERSONS: &str = include_str!("../../cypher/links_persons.cypher");
pub const LINKS_PHONE_SHARERS: &str = include_str!("../../cypher/links_phone_sharers.cypher");
pub const NOTICES_CANDIDATES: &str = include_str!("../../cypher/notices_candidates.cypher");
pub const OFFER_GET: &str = include_str!("../../cypher/offer_get.cypher");
pub const OFFER_TRANSITION: &str = include_str!("../../cypher/offer_transition.cypher");
pub const OFFERS_BY_PHONE: &str = include_str!("../../cypher/offers_by_phone.cypher");
pub const TIMELINE_OFFERS: &str = include_str!("../../cypher/timeline_offers.cypher");
pub const OFFERS_CANDIDATES: &str = include_str!("../../cypher/offers_candidates.cypher");
pub const OFFERS_CREATE: &str = include_str!("../../cypher/offers_create.cypher");
pub const OFFERS_IN_STATE: &str = include_str!("../../cypher/offers_in_state.cypher");
pub const OFFERS_SUMMARY: &str = include_str!("../../cypher/offers_summary.cypher");
pub const OUTBOX_ENQUEUE: &str = include_str!("../../cypher/outbox_enqueue.cypher");
pub const OUTBOX_MARK_FAILED: &str = include_str!("../../cypher/outbox_mark_failed.cypher");
pub const OUTBOX_MARK_SENT: &str = include_str!("../../cypher/outbox_mark_sent.cypher");
pub const OUTBOX_PENDING: &str = include_str!("../../cypher/outbox_pending.cypher");
pub const PAYMENT_ORDERS_PAGE: &str = include_str!("../../cypher/payment_orders_page.cypher");
pub const PERSON_BY_IIN: &str = include_str!("../../cypher/person_by_iin.cypher");
pub const PERSONS_PAGE: &str = include_str!("../../cypher/persons_page.cypher");
pub const PING: &str = include_str!("../../cypher/ping.cypher");
pub const RELATIONSHIP_COUNTS: &str = include_str!("../../cypher/relationship_counts.cypher");
pub const SCHEMA: &str = include_str!("../../cypher/schema.cypher");
pub const SIGNAL_OF_FAMILY: &str = include_str!("../../cypher/signal_of_family.cypher");
pub const SIGNAL_PAGE: &str = include_str!("../../cypher/signal_page.cypher");
pub const SIGNAL_PRUNE: &str = include_str!("../../cypher/signal_prune.cypher");
pub const SIGNAL_RECORD: &str = include_str!("../../cypher/signal_record.cypher");
pub const SIGNAL_RECORD_PERSON: &str = include_str!("../../cypher/signal_record_person.cypher");
pub const SIGNAL_DEAD_PERSONS: &str = include_str!("../../cypher/signal_dead_persons.cypher");
pub const SUBSCRIPTION_CREATE: &str = include_str!("../../cypher/subscription_create.cypher");
pub const SUBSCRIPTION_DELETE: &str = include_str!("../../cypher/subscription_delete.cypher");
pub const SUBSCRIPTION_LIST: &str = include_str!("../../cypher/subscription_list.cypher");
pub const SUBSCRIPTION_UPDATE: &str = include_str!("../../cypher/subscription_update.cypher");
pub const UPSERT_FAMILIES: &str = include_str!("../../cypher/upsert_families.cypher");
pub const WELLBEING_DISTRIBUTION: &str = include_str!("../../cypher/wellbeing_distribution.cypher");
pub const WELLBEING_HISTORY: &str = include_str!("../../cypher/wellbeing_history.cypher");
pub const WELLBEING_PREVIOUS: &str = include_str!("../../cypher/wellbeing_previous.cypher");
pub const WELLBEING_RECORD: &str = include_str!("../../cypher/wellbeing_record.cypher");
pub const WELLBEING_ROWS_DIGEST: &str = include_str!("../../cypher/wellbeing_rows_digest.cypher");

/// Every statement by file name, for the Neo4j-grammar check in the test run.
pub const ALL: &[(&str, &str)] = &[
    ("case_get.cypher", CASE_GET),
    ("case_page.cypher", CASE_PAGE),
    ("case_create.cypher", CASE_CREATE),
    ("case_update.cypher", CASE_UPDATE),
    ("signal_ring_facts.cypher", SIGNAL_RING_FACTS),
    ("signal_naming.cypher", SIGNAL_NAMING),
    ("card_composition.cypher", CARD_COMPOSITION),
    ("card_assets.cypher", CARD_ASSETS),
    ("counts.cypher", COUNTS),
    ("dashboard_entitlements.cypher", DASHBOARD_ENTITLEMENTS),
    ("dashboard_job_runs.cypher", DASHBOARD_JOB_RUNS),
    ("dashboard_offers.cypher", DASHBOARD_OFFERS),
    (
        "dashboard_wellbeing_by_region.cypher",
        DASHBOARD_WELLBEING_BY_REGION,
    ),
    (
        "dashboard_wellbeing_dates.cypher",
        DASHBOARD_WELLBEING_DATES,
    ),
    (
        "dci_families_by_predicate.cypher",
        DCI_FAMILIES_BY_PREDICATE,
    ),
    ("dci_transaction_get.cypher", DCI_TRANSACTION_GET),
    ("dci_transaction_save.cypher", DCI_TRANSACTION_SAVE),
    ("entitlements_of_family.cypher", ENTITLEMENTS_OF_FAMILY),
    ("entitlements_record.cypher", ENTITLEMENTS_RECORD),
    ("entitlements_summary.cypher", ENTITLEMENTS_SUMMARY),
    ("events_bench_due_scan.cypher", EVENTS_BENCH_DUE_SCAN),
    ("events_bench_read.cypher", EVENTS_BENCH_READ),
    ("events_bench_seed.cypher", EVENTS_BENCH_SEED),
    ("events_deliveries_due.cypher", EVENTS_DELIVERIES_DUE),
    ("events_delivery_attempt.cypher", EVENTS_DELIVERY_ATTEMPT),
    ("events_delivery_log.cypher", EVENTS_DELIVERY_LOG),
    ("events_fan_out.cypher", EVENTS_FAN_OUT),
    ("events_new.cypher", EVENTS_NEW),
    ("events_pending_backfill.cypher", EVENTS_PENDING_BACKFILL),
    ("events_pending_count.cypher", EVENTS_PENDING_COUNT),
    ("families_count.cypher", FAMILIES_COUNT),
    ("families_page.cypher", FAMILIES_PAGE),
    ("families_range_page.cypher", FAMILIES_RANGE_PAGE),
    ("family_by_id.cypher", FAMILY_BY_ID),
    ("family_candidates_page.cypher", FAMILY_CANDIDATES_PAGE),
    ("family_neighbourhood.cypher", FAMILY_NEIGHBOURHOOD),
    (
        "family_neighbourhood_by_id.cypher",
        FAMILY_NEIGHBOURHOOD_BY_ID,
    ),
    ("inbound_sms_outcome.cypher", INBOUND_SMS_OUTCOME),
    (
        "inbound_sms_recent_failures.cypher",
        INBOUND_SMS_RECENT_FAILURES,
    ),
    ("inbound_sms_record.cypher", INBOUND_SMS_RECORD),
    ("ingest_addictions.cypher", INGEST_ADDICTIONS),
    ("ingest_addresses.cypher", INGEST_ADDRESSES),
    ("ingest_awards.cypher", INGEST_AWARDS),
    ("graph_dump_page.cypher", GRAPH_DUMP_PAGE),
    ("ingest_bank_accounts.cypher", INGEST_BANK_ACCOUNTS),
    ("ingest_benefits.cypher", INGEST_BENEFITS),
    ("ingest_businesses.cypher", INGEST_BUSINESSES),
    ("ingest_contributions.cypher", INGEST_CONTRIBUTIONS),
    ("ingest_convictions.cypher", INGEST_CONVICTIONS),
    ("ingest_disabilities.cypher", INGEST_DISABILITIES),
    ("ingest_diseases.cypher", INGEST_DISEASES),
    ("ingest_education.cypher", INGEST_EDUCATION),
    ("ingest_employments.cypher", INGEST_EMPLOYMENTS),
    ("ingest_farms.cypher", INGEST_FARMS),
    ("ingest_guardianships.cypher", INGEST_GUARDIANSHIPS),
    (
        "ingest_health_attachments.cypher",
        INGEST_HEALTH_ATTACHMENTS,
    ),
    ("ingest_health_insurance.cypher", INGEST_HEALTH_INSURANCE),
    ("ingest_incomes.cypher", INGEST_INCOMES),
    ("ingest_land_plots.cypher", INGEST_LAND_PLOTS),
    ("ingest_loans.cypher", INGEST_LOANS),
    ("ingest_marriages.cypher", INGEST_MARRIAGES),
    ("ingest_parent_links.cypher", INGEST_PARENT_LINKS),
    ("ingest_persons.cypher", INGEST_PERSONS),
    ("ingest_pregnancies.cypher", INGEST_PREGNANCIES),
    ("ingest_real_estate.cypher", INGEST_REAL_ESTATE),
    ("ingest_registrations.cypher", INGEST_REGISTRATIONS),
    ("ingest_unemployment.cypher", INGEST_UNEMPLOYMENT),
    ("ingest_vehicles.cypher", INGEST_VEHICLES),
    ("job_checkpoint_get.cypher", JOB_CHECKPOINT_GET),
    ("job_checkpoint_save.cypher", JOB_CHECKPOINT_SAVE),
    ("links_persons.cypher", LINKS_PERSONS),
    ("links_phone_sharers.cypher", LINKS_PHONE_SHARERS),
    ("notices_candidates.cypher", NOTICES_CANDIDATES),
    ("offer_get.cypher", OFFER_GET),
    ("offer_transition.cypher", OFFER_TRANSITION),
    ("offers_by_phone.cypher", OFFERS_BY_PHONE),
    ("timeline_offers.cypher", TIMELINE_OFFERS),
    ("offers_candidates.cypher", OFFERS_CANDIDATES),
    ("offers_create.cypher", OFFERS_CREATE),
    ("offers_in_state.cypher", OFFERS_IN_STATE),
    ("offers_summary.cypher", OFFERS_SUMMARY),
    ("outbox_enqueue.cypher", OUTBOX_ENQUEUE),
    ("outbox_mark_failed.cypher", OUTBOX_MARK_FAILED),
    ("outbox_mark_sent.cypher", OUTBOX_MARK_SENT),
    ("outbox_pending.cypher", OUTBOX_PENDING),
    ("payment_orders_page.cypher", PAYMENT_ORDERS_PAGE),
    ("person_by_iin.cypher", PERSON_BY_IIN),
    ("persons_page.cypher", PERSONS_PAGE),
    ("ping.cypher", PING),
    ("relationship_counts.cypher", RELATIONSHIP_COUNTS),
    ("schema.cypher", SCHEMA),
    ("signal_of_family.cypher", SIGNAL_OF_FAMILY),
    ("signal_page.cypher", SIGNAL_PAGE),
    ("signal_prune.cypher", SIGNAL_PRUNE),
    ("signal_record.cypher", SIGNAL_RECORD),
    ("signal_record_person.cypher", SIGNAL_RECORD_PERSON),
    ("signal_dead_persons.cypher", SIGNAL_DEAD_PERSONS),
    ("subscription_create.cypher", SUBSCRIPTION_CREATE),
    ("subscription_delete.cypher", SUBSCRIPTION_DELETE),
    ("subscription_list.cypher", SUBSCRIPTION_LIST),
    ("subscription_update.cypher", SUBSCRIPTION_UPDATE),
    ("upsert_families.cypher", UPSERT_FAMILIES),
    ("wellbeing_distribution.cypher", WELLBEING_DISTRIBUTION),
    ("wellbeing_history.cypher", WELLBEING_HISTORY),
    ("wellbeing_previous.cypher", WELLBEING_PREVIOUS),
    ("wellbeing_record.cypher", WELLBEING_RECORD),
    ("wellbeing_rows_digest.cypher", WELLBEING_ROWS_DIGEST),
];
