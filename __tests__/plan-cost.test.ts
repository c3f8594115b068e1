import { evaluatePolynomial, fitPolynomial, providerCounts, treePssKb } from '../bench/plan-cost';
import { synth } from './support';

describe('the plan-cost bench', () => {
  it('recovers a known line and parabola, and refuses a fit it cannot make', () => {
    const parabola = [1, 2, 5, 10, 50].map((x) => [x, 3 + 0.5 * x + 0.01 * x * x] as const);
    fitPolynomial(parabola, 2).forEach((c, i) => expect(c).toBeCloseTo([3, 0.5, 0.01][i]!, 9));
    expect(evaluatePolynomial(fitPolynomial(parabola, 2), 200)).toBeCloseTo(3 + 100 + 400, 6);
    fitPolynomial([[2, 1], [4, 2], [8, 4]], 1).forEach((c, i) => expect(c).toBeCloseTo([0, 0.5][i]!, 9));
    expect(() => fitPolynomial([[1, 1], [1, 2], [2, 3]], 2)).toThrow(/at least 3 points with different x/);
  });

  it('counts the provider configurations a stack declares and those its resources use', () => {
    const { json } = synth();
    const declared = (json as any).provider.aws.length;
    expect(providerCounts(json)).toEqual({ declared, used: declared });
    const unused = structuredClone(json) as any;
    unused.provider.aws.push({ alias: 'unused', region: 'eu-north-1' });
    expect(providerCounts(unused)).toEqual({ declared: declared + 1, used: declared });
  });

  it("reads this process's proportional set size from /proc", () => {
    const { kb, processes } = treePssKb(process.pid);
    expect(processes).toBeGreaterThanOrEqual(1);
    expect(kb).toBeGreaterThan(10_000);
  });
});
