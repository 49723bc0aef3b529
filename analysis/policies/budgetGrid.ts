/**
 * The budget grid of sweeps and recall curves (ALGORITHMS §8), in basis points:
 * 1, 2, 5, 10, 20, 40, 60, 80, 100 % (the paper's figures span 1–100 % on a log axis).
 */
export const BUDGET_GRID_BP: readonly number[] = [100, 200, 500, 1000, 2000, 4000, 6000, 8000, 10000];
