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
    expect(page).toContain('<td>applicant <span class="note">· Application started</span></td><td>25</td>');
    expect(page).toContain('<td>lead</td><td>0</td>');
    expect(page).toContain('first entered the stage during the range, not of those in it now');
    expect(page).toContain('Leads (first reached <code>applicant</code>, <code>lead</code> in the range): 25');
    expect(page).toContain('<b>20.0%</b>');
    expect(page).toMatch(/<td>google \/ cpc<\/td>\s*<td>20<\/td><td>5<\/td><td>25.0%<\/td>/);
    expect(page).toContain('<td>direct or untagged</td>');
  });
});
