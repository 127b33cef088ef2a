// The dashboard page's sections rendered from KPIs alone: what an empty or unusual section says.
import { describe, expect, it } from 'vitest';
import { dashboardPage } from '../../../worker/dashboard/page';
import type { Kpis } from '../../../worker/schema/stats';

const render = async (kpis: Kpis) =>
  String(await dashboardPage({ kpis, sites: ['demo'], signedIn: 'admin', origin: 'https://nb.example', nonce: 'n0nce' }));

describe('the dashboard page', () => {
  it('says how to add audiences when the rules have none', async () => {
    const page = await render({ site: 'demo', from: '2026-03-01', to: '2026-03-07', audiences: [] });
    expect(page).toContain('data-section="audiences"');
    expect(page).toContain('This site has no audiences yet');
    expect(page).toContain('<code>rules/demo.json</code>');
    expect(page).not.toContain('data-chart="audiences"');
  });

  it('leaves the audiences out when they were not asked for', async () => {
    expect(await render({ site: 'demo', from: '2026-03-01', to: '2026-03-07' })).not.toContain('data-section="audiences"');
  });

  it('lists stages in the order given, with what each means and what the counts are', async () => {
    const page = await render({
      site: 'demo',
      from: '2026-03-01',
      to: '2026-03-07',
      stages: {
        entered: [
          { stage: 'engaged', label: 'Came back', visitors: 40 },
          { stage: 'lead', label: null, visitors: 0 },
          { stage: 'applicant', label: 'Application started', visitors: 25 },
        ],
        lead_stages: ['applicant', 'lead'],
        leads: 25,
        converted_leads: 5,
        lead_to_customer_pct: 20,
        by_channel: [
          { source: 'google', medium: 'cpc', leads: 20, converted_leads: 5, lead_to_customer_pct: 25 },
          { source: null, medium: null, leads: 5, converted_leads: 0, lead_to_customer_pct: 0 },
        ],
      },
    });
    expect(page.indexOf('<td>engaged')).toBeLessThan(page.indexOf('<td>applicant'));
    expect(page).toContain('<td>applicant</td><td>Application started</td><td>25</td>');
    expect(page).toContain('<td>lead</td><td>–</td><td>0</td>');
    expect(page).toContain('first entered the stage during the range, not of those in it now');
    expect(page).toContain('Leads (first reached <code>applicant</code>, <code>lead</code> in the range): 25');
    expect(page).toContain('<b>20.0%</b>');
    expect(page).toContain('<td>google</td><td>cpc</td><td>20</td><td>5</td><td>25.0%</td>');
    expect(page).toContain('<td>direct or untagged</td>');
  });

  it('shows each KPI card with its change against the previous period, better or worse', async () => {
    const totals = {
      unique_visitors: 120,
      visitors: 150,
      page_views: 400,
      sessions: 160,
      bounce_rate: 0.3,
      bot_batches: 7,
      form_submissions: 0,
      leads: 10,
      lead_to_customer_pct: 20,
      new_customers: null,
      activation_rate: null,
      churn_rate: null,
      cross_sell_rate: null,
      winback_rate: null,
      referred_visitors: null,
      clv: null,
      cost_per_lead: null,
    };
    const before = { ...totals, unique_visitors: 100, bounce_rate: 0.25, bot_batches: 0, lead_to_customer_pct: null };
    const page = await render({
      site: 'demo',
      from: '2026-03-08',
      to: '2026-03-14',
      totals,
      previous: { from: '2026-03-01', to: '2026-03-07', totals: before },
    });
    const card = (kpi: string) =>
      page.slice(page.indexOf(`data-kpi="${kpi}"`), page.indexOf('</div>', page.indexOf(`data-kpi="${kpi}"`)));
    expect(card('unique_visitors')).toContain(
      '<small class="better" data-change title="previous period: 100">+20% vs previous</small>',
    );
    expect(card('bounce_rate')).toContain('class="worse"');
    expect(card('bounce_rate')).toContain('+5.0 pts vs previous');
    expect(card('page_views')).toContain('class="same"');
    expect(card('bot_batches')).toContain('new vs previous');
    expect(card('lead_to_customer_pct')).toContain('– vs previous');
  });

  it('says per slot which arm wins, or how many visitors it still takes', async () => {
    const lift = {
      difference: 0.031,
      low: 0.01,
      high: 0.052,
      relative: 0.3,
      significant: true,
      method: 'newcombe-hybrid-score-95' as const,
    };
    const page = await render({
      site: 'demo',
      from: '2026-03-01',
      to: '2026-03-07',
      offers: [],
      slots: [
        { slot: 'hero', verdict: 'winner', offer: 'finish-app', arm: 'b', lift, visitors_needed: 0 },
        { slot: 'sidebar', verdict: 'not_enough_data', offer: null, arm: null, lift: null, visitors_needed: 15700 },
      ],
    });
    expect(page).not.toContain('data-verdict');
    const shown = await render({
      site: 'demo',
      from: '2026-03-01',
      to: '2026-03-07',
      offers: [{ offer: 'finish-app', arms: [], holdout: null, lift_against: 'next_best' }],
      slots: [
        { slot: 'hero', verdict: 'winner', offer: 'finish-app', arm: 'b', lift, visitors_needed: 0 },
        { slot: 'sidebar', verdict: 'not_enough_data', offer: null, arm: null, lift: null, visitors_needed: 15700 },
      ],
    });
    expect(shown).toMatch(
      /data-slot="hero" data-verdict="winner"><code>hero<\/code>: <b>finish-app<\/b> variant <b>b<\/b> wins: \+3.1 pts \(95% CI \+1.0 to \+5.2\) over the holdout/,
    );
    expect(shown).toContain('not enough data yet: about <b>15,700</b> more exposed visitors needed');
  });
});
