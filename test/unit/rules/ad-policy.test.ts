// The finance ad-policy lint: each sensitive category caught where it is a field of the person,
// look-alikes left alone, what makes an audience one for credit, names that only suggest, and
// memberships longer than the platforms keep.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adPolicyFindings, findingLine, words, type Finding } from '../../../rules/ad-policy';
import { RulesFile, type RulesInput } from '../../../rules/schema';

type AudienceInput = NonNullable<RulesInput['audiences']>[number];

const lender = [{ id: 'mortgage', label: 'Home purchase mortgage' }];

/** The findings for a file with one audience (and, by default, a mortgage lender's products). */
function lint(audience: Partial<AudienceInput>, rest: Partial<RulesInput> = { products: lender }): Finding[] {
  const file = RulesFile.parse({
    origins: [],
    ...rest,
    audiences: [{ id: 'retarget', when: {}, days: 30, ...audience }],
  });
  return adPolicyFindings(file);
}

const summary = (findings: Finding[]) => findings.map((f) => `${f.path}: ${f.severity}`);

describe('ad-policy lint', () => {
  it.each([
    ['age', { 'event.props.age': { $gte: 60 } }, 'age'],
    ['age band, camelCase', { 'event.props.ageBand': '65+' }, 'age'],
    ['date of birth', { 'event.props.date_of_birth': { $exists: true } }, 'age'],
    ['gender', { 'event.props.gender': 'female' }, 'gender'],
    ['sex', { 'event.props.sex': 'f' }, 'gender'],
    ['ZIP code', { 'traits.zip': { $in: ['10001', '10002'] } }, 'ZIP/postal code'],
    ['postal code', { 'event.props.postal_code': { $regex: '^M5V' } }, 'ZIP/postal code'],
    ['marital status', { 'event.props.marital_status': 'married' }, 'marital status'],
    ['parental status', { 'event.props.dependents': { $gt: 0 } }, 'parental status'],
    ['inside $or', { $or: [{ 'request.device': 'mobile' }, { 'event.props.gender': 'male' }] }, 'gender'],
    ['inside $elemMatch', { 'event.props.applicants': { $elemMatch: { age: { $gt: 60 } } } }, 'age'],
  ])('refuses a credit audience that targets by %s', (_, when, label) => {
    const findings = lint({ when });
    expect(findings).toHaveLength(1);
    expect(findings[0].severity).toBe('error');
    expect(findings[0].reason).toContain(`may not target by ${label}`);
    expect(findings[0].policies).toEqual([
      'Google personalized ads: consumer finance in the US and Canada',
      'Meta Special Ad Category: financial products and services',
    ]);
  });

  it.each([
    ['credit score', { 'event.props.credit_score': { $gte: 700 } }, 'financial status'],
    ['FICO', { 'event.props.fico': { $lt: 600 } }, 'financial status'],
    ['income', { 'event.props.annualIncome': { $gt: 200000 } }, 'financial status'],
    ['salary', { 'event.props.salary_band': 'high' }, 'financial status'],
    ['net worth', { 'event.props.net_worth': { $gt: 1e6 } }, 'financial status'],
    ['debt', { 'event.props.total_debt': { $gt: 50000 } }, 'financial hardship'],
    ['debt-to-income', { 'event.props.dti': { $gt: 0.43 } }, 'financial hardship'],
    ['a declined application', { 'event.props.declined': true }, 'financial hardship'],
    ['bankruptcy', { 'event.props.bankruptcy_flag': true }, 'financial hardship'],
    ['in exit_when too', {}, 'financial status'],
  ])('refuses any audience that targets by %s, credit or not', (name, when, label) => {
    const exit = name === 'in exit_when too' ? { exit_when: { 'event.props.income': { $lt: 30000 } } } : {};
    for (const products of [lender, []]) {
      const findings = lint({ when, ...exit, policy_category: products.length ? undefined : 'other' }, { products });
      expect(summary(findings)).toEqual([expect.stringMatching(/: error$/)]);
      expect(findings[0].reason).toContain(`targets by ${label}`);
      expect(findings[0].policies[0]).toBe(
        'Meta: custom audiences that suggest financial status, restricted since September 2025',
      );
    }
  });

  it.each([
    ['page', { 'event.props.page': '/rates' }],
    ['usage', { 'event.props.usage': 'daily' }],
    ['mortgage (holds "age" inside a word)', { 'score.products.mortgage': { $gte: 20 } }],
    ['message, language, stage', { 'event.props.message': 'x', 'event.props.language': 'en', stage: 'applicant' }],
    ['the age of a loan, an account, a property', { 'event.props.loan_age': 3, 'event.props.account_age_days': 90 }],
    ['essex, sussex (hold "sex")', { 'event.props.county': { $in: ['Essex', 'Sussex'] } }],
    ['zipper, postal-looking words', { 'event.props.zipper': 1, 'event.props.postage': 1 }],
    ['a form step, a score', { 'forms.mortgage-app.abandoned_step': { $gte: 2 }, 'score.total': { $gte: 40 } }],
    ['the loan amount', { 'event.props.loan_amount': { $gt: 766550 } }],
  ])('leaves %s alone', (_, when) => {
    expect(lint({ when })).toEqual([]);
  });

  it.each<[string, Partial<AudienceInput>, Partial<RulesInput>, string]>([
    ['a credit product on the site', {}, { products: lender }, 'the site sells credit: mortgage'],
    ['a label naming credit', {}, { products: [{ id: 'p1', label: 'Cash-back credit card' }] }, 'the site sells credit: p1'],
    ['its id', { id: 'heloc_shoppers' }, { products: [] }, 'it names "heloc"'],
    ['its description', { description: 'Looked at car loans' }, { products: [] }, 'it names "loans"'],
    ['a product it tests', { when: { 'score.products.refinance': { $gt: 5 } } }, { products: [] }, 'it names "refinance"'],
    ['a value it tests', { when: { 'event.props.product': 'card' } }, { products: [] }, 'it names "card"'],
    ['policy_category', { policy_category: 'credit' }, { products: [] }, 'policy_category "credit"'],
  ])('counts an audience as one for credit ads by %s', (_, audience, rest, why) => {
    const when = { ...audience.when, 'event.props.age': { $gte: 60 } };
    const [finding] = lint({ ...audience, when }, rest);
    expect(finding.reason).toContain(`(${why})`);
  });

  it('leaves demographics alone where the ads are not for credit, and lints nothing sent nowhere', () => {
    const when = { 'event.props.age': { $gte: 60 }, 'traits.zip': '10001' };
    expect(lint({ when }, { products: [{ id: 'savings', label: 'High-yield savings' }] })).toEqual([]);
    expect(lint({ when, policy_category: 'other' })).toEqual([]);
    expect(lint({ when: { ...when, 'event.props.income': 1 }, days: 700, policy_category: 'none' })).toEqual([]);
  });

  it('warns where only a name or a value suggests financial status', () => {
    const findings = lint({
      id: 'high_income_visitors',
      description: 'Declined applicants',
      when: { 'request.path': { $regex: '^/(debt-relief|bankruptcy)' }, 'tracks.application_denied': { $gte: 1 } },
    });
    expect(summary(findings)).toEqual([
      'audiences[0].when.request.path.$regex: warning',
      'audiences[0].when.tracks.application_denied: warning',
      'audiences[0].id: warning',
      'audiences[0].description: warning',
    ]);
    // Demographic words in a value are not a field of the person: no finding.
    expect(lint({ when: { 'request.path': '/mortgages/over-60s-age-guide' } })).toEqual([]);
  });

  it('follows the segments an audience tests', () => {
    const findings = lint(
      { when: { segments: 'wealthy' } },
      { products: lender, segments: [{ id: 'wealthy', when: { 'event.props.income': { $gt: 250000 } }, sticky: true }] },
    );
    // The segment's name suggests it too.
    expect(summary(findings)).toEqual(['audiences[0].when.segments: warning', 'segments[0].when.event.props.income: error']);
    expect(findings[1].reason).toContain('through a segment that audience "retarget" tests');
  });

  it.each([
    [30, []],
    [180, []],
    [181, ['Meta website custom audiences: retention of at most 180 days']],
    [540, ['Meta website custom audiences: retention of at most 180 days']],
    [541, ['Google Ads: membership of at most 540 days', 'Meta website custom audiences: retention of at most 180 days']],
  ])('warns of a membership of %i days longer than the platforms keep', (days, policies) => {
    const findings = lint({ days });
    expect(findings.map((f) => [f.path, f.severity])).toEqual(policies.map(() => ['audiences[0].days', 'warning']));
    expect(findings.flatMap((f) => f.policies)).toEqual(policies);
  });

  it('prints a finding as path: severity: reason (policies)', () => {
    const [finding] = lint({ when: { 'event.props.gender': 'f' } });
    expect(findingLine(finding)).toBe(
      'audiences[0].when.event.props.gender: error: an audience for credit ads (the site sells credit: mortgage) may not target by gender ("gender"); if its ads are not for credit, set "policy_category": "other" (Google personalized ads: consumer finance in the US and Canada; Meta Special Ad Category: financial products and services)',
    );
  });

  it('finds nothing in the demo rules', () => {
    expect(adPolicyFindings(RulesFile.parse(JSON.parse(readFileSync('rules/demo.json', 'utf8'))))).toEqual([]);
  });

  it.each([
    ['creditScore', ['credit', 'score']],
    ['credit-score', ['credit', 'score']],
    ['Home equity line of credit', ['home', 'equity', 'line', 'of', 'credit']],
    ['^/(debt|loans)\\d+$', ['debt', 'loans', 'd']],
  ])('splits %s into words', (text, expected) => {
    expect(words(text)).toEqual(expected);
  });
});
