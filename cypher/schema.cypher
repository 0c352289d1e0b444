// Constraints and indexes, applied idempotently at start (statements separated by ';').
// Neo4j 5 syntax; ArcadeDB accepts the same. Uniqueness only: key/existence constraints are
// Enterprise-only, so required properties are enforced in Rust before writing.
CREATE CONSTRAINT person_iin IF NOT EXISTS FOR (n:Person) REQUIRE n.iin IS UNIQUE;
CREATE CONSTRAINT dwelling_address_id IF NOT EXISTS FOR (n:Dwelling) REQUIRE n.address_id IS UNIQUE;
CREATE CONSTRAINT family_id IF NOT EXISTS FOR (n:Family) REQUIRE n.family_id IS UNIQUE;
CREATE CONSTRAINT job_checkpoint_job IF NOT EXISTS FOR (n:JobCheckpoint) REQUIRE n.job IS UNIQUE;
CREATE CONSTRAINT real_estate_fact_key IF NOT EXISTS FOR (n:RealEstate) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT vehicles_fact_key IF NOT EXISTS FOR (n:Vehicle) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT land_plots_fact_key IF NOT EXISTS FOR (n:LandPlot) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT farms_fact_key IF NOT EXISTS FOR (n:Farm) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT incomes_fact_key IF NOT EXISTS FOR (n:Income) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT contributions_fact_key IF NOT EXISTS FOR (n:Contribution) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT loans_fact_key IF NOT EXISTS FOR (n:Loan) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT employments_fact_key IF NOT EXISTS FOR (n:Employment) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT businesses_fact_key IF NOT EXISTS FOR (n:Business) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT disabilities_fact_key IF NOT EXISTS FOR (n:Disability) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT health_attachments_fact_key IF NOT EXISTS FOR (n:HealthAttachment) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT health_insurance_fact_key IF NOT EXISTS FOR (n:HealthInsurance) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT diseases_fact_key IF NOT EXISTS FOR (n:DiseaseRegistration) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT addictions_fact_key IF NOT EXISTS FOR (n:AddictionRegistration) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT education_fact_key IF NOT EXISTS FOR (n:EducationAttachment) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT convictions_fact_key IF NOT EXISTS FOR (n:Conviction) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT bank_accounts_fact_key IF NOT EXISTS FOR (n:BankAccount) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT awards_fact_key IF NOT EXISTS FOR (n:MotherAward) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT pregnancies_fact_key IF NOT EXISTS FOR (n:Pregnancy) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT unemployment_fact_key IF NOT EXISTS FOR (n:Unemployment) REQUIRE n.fact_key IS UNIQUE;
CREATE CONSTRAINT benefits_fact_key IF NOT EXISTS FOR (n:BenefitReceipt) REQUIRE n.fact_key IS UNIQUE;
CREATE INDEX person_death_date IF NOT EXISTS FOR (n:Person) ON (n.death_date);
CREATE CONSTRAINT wellbeing_assessment_key IF NOT EXISTS FOR (n:WellbeingAssessment) REQUIRE n.assessment_key IS UNIQUE;
CREATE CONSTRAINT entitlement_key IF NOT EXISTS FOR (n:Entitlement) REQUIRE n.entitlement_key IS UNIQUE;
CREATE INDEX entitlement_recipient IF NOT EXISTS FOR (n:Entitlement) ON (n.recipient_iin);
