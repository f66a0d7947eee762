package dev.gatehouse.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.web.SubjectTeams;
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
    void theOwningTeamOfASubject() {
        SubjectTeams teams = (kind, id) -> kind + "-team-of-" + id;
        assertThat(Scope.ORG.owningTeam(null, teams)).isNull();
        assertThat(Scope.MODEL.owningTeam("gpt-4o", teams)).isNull();
        assertThat(Scope.TEAM.owningTeam("t1", teams)).isEqualTo("t1");
        assertThat(Scope.KEY.owningTeam("k1", teams)).isEqualTo("key-team-of-k1");
        assertThat(Scope.USER.owningTeam(null, teams)).isNull();
    }

    @Test
    void aDefinitionCannotCarryTheOtherKindsScope() {
        assertThatThrownBy(() -> new RateLimit("l", null, Scope.ORG, "x", null, null, 1L, null, null, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
