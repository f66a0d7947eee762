package dev.gatehouse.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScopeTest {
    @Test
    void budgetsAndRateLimitsEachAcceptTheirOwnScopes() {
        assertThat(Scope.parse(" Org ", Scope.BUDGETS)).isEqualTo(Scope.ORG);
        assertThat(Scope.parse("model", Scope.RATE_LIMITS)).isEqualTo(Scope.MODEL);
        assertThatThrownBy(() -> Scope.parse("model", Scope.BUDGETS))
                .hasMessage("scope must be one of org, team, user, key; got 'model'");
        assertThatThrownBy(() -> Scope.parse("org", Scope.RATE_LIMITS))
                .hasMessage("scope must be one of key, user, team, model; got 'org'");
        assertThatThrownBy(() -> Scope.parse(null, Scope.RATE_LIMITS))
                .hasMessage("scope must be one of key, user, team, model; got 'null'");
    }

    @Test
    void aDefinitionCannotCarryTheOtherKindsScope() {
        assertThatThrownBy(() -> new RateLimit("l", null, Scope.ORG, "x", null, null, 1L, null, null, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
