package dev.gatehouse.budget;

import java.util.List;

class MemoryLedgerTest extends LedgerContract {
    @Override
    BudgetLedger create(List<Integer> thresholds) {
        return new MemoryLedger(clock::get, thresholds, events);
    }
}
