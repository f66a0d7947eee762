package dev.gatehouse.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.identity.ApiKeys;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The identity stores and the registry, run unchanged on SQLite and on PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class IdentityStoreContract {
    Database db;
    Identity identity;

    abstract Database openDatabase() throws Exception;

    abstract void cleanup() throws Exception;

    @BeforeAll
    void open() throws Exception {
        db = openDatabase();
        identity = Identity.over(db);
    }

    @AfterAll
    void close() throws Exception {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            cleanup();
        }
    }

    static String unique(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void teamsAreCreatedFoundRenamedAndNamesAreUnique() {
        String name = unique("eng");
        Team team = identity.teams().create(name);
        assertThat(team.id()).startsWith("team_");
        assertThat(identity.teams().get(team.id())).contains(team);
        assertThat(identity.teams().byName(name)).contains(team);
        assertThatThrownBy(() -> identity.teams().create(name)).isInstanceOf(ConflictException.class).hasMessageContaining(name);
        String renamed = unique("platform");
        assertThat(identity.teams().rename(team.id(), renamed).orElseThrow().name()).isEqualTo(renamed);
        assertThat(identity.teams().rename("team_missing", "x")).isEmpty();
    }

    @Test
    void listsArePagedByCursorWithoutGapsOrRepeats() {
        Team team = identity.teams().create(unique("paging"));
        for (int i = 0; i < 7; i++) {
            identity.users().create(User.PERSON, "u" + i, null, team.id(), Roles.MEMBER);
        }
        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Page<User> page = identity.users().list(User.PERSON, team.id(), 3, cursor);
            page.items().forEach(u -> seen.add(u.id()));
            cursor = page.next();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(7).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void aTeamInUseCannotBeDeleted() {
        Team team = identity.teams().create(unique("busy"));
        User user = identity.users().create(User.PERSON, "ann", null, team.id(), Roles.MEMBER);
        assertThatThrownBy(() -> identity.teams().delete(team.id())).isInstanceOf(ConflictException.class);
        identity.users().delete(user.id());
        assertThat(identity.teams().delete(team.id())).isTrue();
        assertThat(identity.teams().get(team.id())).isEmpty();
    }

    @Test
    void keysAreStoredOnlyAsHashes() {
        Team team = identity.teams().create(unique("keys"));
        IssuedKey issued = identity.keys().create(new KeyStore.NewKey("ci", VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        assertThat(issued.secret()).startsWith("gh-").hasSizeGreaterThan(40);
        VirtualKey stored = identity.keys().get(issued.key().id()).orElseThrow();
        assertThat(stored.keyHash()).isEqualTo(ApiKeys.sha256Hex(issued.secret()));
        assertThat(stored.displayPrefix()).isEqualTo(issued.secret().substring(0, 10) + "…");
        String everything = db.call(c -> {
            StringBuilder all = new StringBuilder();
            try (var rs = c.createStatement().executeQuery("SELECT * FROM virtual_keys")) {
                while (rs.next()) {
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        all.append(rs.getString(i)).append('|');
                    }
                }
            }
            return all.toString();
        });
        assertThat(everything).doesNotContain(issued.secret()).contains(stored.keyHash());
        assertThat(stored.status(System.currentTimeMillis())).isEqualTo("active");
    }

    @Test
    void revokeIsRecordedAndIdempotent() {
        Team team = identity.teams().create(unique("revoke"));
        IssuedKey issued = identity.keys().create(new KeyStore.NewKey(null, VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        VirtualKey revoked = identity.keys().revoke(issued.key().id()).orElseThrow();
        assertThat(revoked.revokedAt()).isNotNull();
        assertThat(revoked.revision()).isGreaterThan(issued.key().revision());
        assertThat(identity.keys().revoke(issued.key().id()).orElseThrow().revokedAt()).isEqualTo(revoked.revokedAt());
        assertThat(identity.keys().revoke("key_missing")).isEmpty();
        assertThatThrownBy(() -> identity.keys().rotate(issued.key().id(), 1000)).isInstanceOf(ConflictException.class);
    }

    @Test
    void rotateIssuesAReplacementAndEndsTheOldKeyAfterTheGracePeriod() {
        Team team = identity.teams().create(unique("rotate"));
        AccessPolicy policy = identity.policies().create(unique("p"), team.id(), List.of("gpt-4o*"), List.of(), List.of(), null);
        IssuedKey old = identity.keys().create(new KeyStore.NewKey("svc", VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        identity.policies().attach(policy.id(), "key", old.key().id());
        long before = System.currentTimeMillis();
        KeyStore.Rotation rotation = identity.keys().rotate(old.key().id(), 60_000).orElseThrow();
        VirtualKey replacement = rotation.replacement().key();
        assertThat(rotation.replacement().secret()).isNotEqualTo(old.secret());
        assertThat(replacement.ownerId()).isEqualTo(team.id());
        assertThat(replacement.name()).isEqualTo("svc");
        assertThat(rotation.old().rotatedTo()).isEqualTo(replacement.id());
        assertThat(rotation.old().expiresAt()).isBetween(before + 60_000, System.currentTimeMillis() + 60_000);
        assertThat(identity.policies().attachedTo("key", replacement.id())).extracting(AccessPolicy::id).containsExactly(policy.id());
    }

    @Test
    void changedSinceReturnsOnlyKeysChangedAfterARevision() {
        Team team = identity.teams().create(unique("changes"));
        long start = identity.keys().revisions().get("keys");
        IssuedKey a = identity.keys().create(new KeyStore.NewKey(null, VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        long mid = identity.keys().revisions().get("keys");
        identity.keys().revoke(a.key().id());
        assertThat(identity.keys().changedSince(start)).extracting(VirtualKey::id).contains(a.key().id());
        List<VirtualKey> later = identity.keys().changedSince(mid);
        assertThat(later).extracting(VirtualKey::id).containsExactly(a.key().id());
        assertThat(later.getFirst().revokedAt()).isNotNull();
        assertThat(identity.keys().changedSince(identity.keys().revisions().get("keys"))).isEmpty();
    }

    @Test
    void lastUsedTimesAreWrittenInABatchAndNeverGoBack() {
        Team team = identity.teams().create(unique("used"));
        IssuedKey a = identity.keys().create(new KeyStore.NewKey(null, VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        IssuedKey b = identity.keys().create(new KeyStore.NewKey(null, VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        identity.keys().recordLastUsed(Map.of(a.key().id(), 5_000L, b.key().id(), 7_000L));
        identity.keys().recordLastUsed(Map.of(a.key().id(), 4_000L));
        assertThat(identity.keys().get(a.key().id()).orElseThrow().lastUsedAt()).isEqualTo(5_000L);
        assertThat(identity.keys().get(b.key().id()).orElseThrow().lastUsedAt()).isEqualTo(7_000L);
    }

    @Test
    void deletingAUserRevokesTheirKeys() {
        Team team = identity.teams().create(unique("leaver"));
        User user = identity.users().create(User.PERSON, "leaver", unique("l") + "@example.com", team.id(), Roles.MEMBER);
        IssuedKey key = identity.keys().create(new KeyStore.NewKey(null, VirtualKey.OWNER_USER, user.id(), team.id(), null));
        assertThat(identity.users().delete(user.id())).isTrue();
        assertThat(identity.keys().get(key.key().id()).orElseThrow().revokedAt()).isNotNull();
        assertThat(identity.users().get(user.id())).isEmpty();
    }

    @Test
    void usersAreUpdatedAndEmailsAreUnique() {
        Team team = identity.teams().create(unique("users"));
        String email = unique("bob") + "@example.com";
        User bob = identity.users().create(User.PERSON, "Bob", email, team.id(), Roles.MEMBER);
        assertThatThrownBy(() -> identity.users().create(User.PERSON, "Bob 2", email, team.id(), Roles.MEMBER))
                .isInstanceOf(ConflictException.class);
        User changed = identity.users().update(new User(bob.id(), bob.kind(), "Robert", email, team.id(), Roles.TEAM_ADMIN, 0, 0))
                .orElseThrow();
        assertThat(changed.name()).isEqualTo("Robert");
        assertThat(changed.role()).isEqualTo(Roles.TEAM_ADMIN);
        User svc = identity.users().create(User.SERVICE, "batch-job", null, team.id(), Roles.MEMBER);
        assertThat(svc.id()).startsWith("svc_");
        assertThat(identity.users().list(User.SERVICE, team.id(), 10, null).items()).containsExactly(svc);
    }

    @Test
    void policyNamesAreUniquePerTeamNotAcrossTeams() {
        Team a = identity.teams().create(unique("names-a"));
        Team b = identity.teams().create(unique("names-b"));
        String name = unique("shared");
        AccessPolicy inA = identity.policies().create(name, a.id(), List.of(), List.of(), List.of(), null);
        AccessPolicy inB = identity.policies().create(name, b.id(), List.of(), List.of(), List.of(), null);
        assertThatThrownBy(() -> identity.policies().create(name, a.id(), List.of(), List.of(), List.of(), null))
                .isInstanceOf(ConflictException.class).hasMessageContaining("this team");
        assertThat(identity.policies().byName(a.id(), name)).contains(inA);
        assertThat(identity.policies().byName(b.id(), name)).contains(inB);
        assertThat(identity.policies().byName(null, name)).isEmpty();
        // The organisation-wide view: ambiguous between two teams, until an organisation-wide one exists.
        assertThatThrownBy(() -> identity.policies().byName(name)).isInstanceOf(ConflictException.class);
        AccessPolicy org = identity.policies().create(name, null, List.of(), List.of(), List.of(), null);
        assertThatThrownBy(() -> identity.policies().create(name, null, List.of(), List.of(), List.of(), null))
                .isInstanceOf(ConflictException.class);
        assertThat(identity.policies().byName(name)).contains(org);
        assertThat(identity.policies().byName(null, name)).contains(org);
        // A team's own policy comes before the organisation-wide one of the same name.
        assertThat(identity.policies().byName(a.id(), name)).contains(inA);
        // Renaming into a name the team already uses clashes; into one another team uses does not.
        AccessPolicy other = identity.policies().create(unique("other"), a.id(), List.of(), List.of(), List.of(), null);
        assertThatThrownBy(() -> identity.policies().update(new AccessPolicy(other.id(), name, a.id(), List.of(), List.of(),
                List.of(), null, other.createdAt(), 0))).isInstanceOf(ConflictException.class);
        String onlyB = unique("only-b");
        identity.policies().create(onlyB, b.id(), List.of(), List.of(), List.of(), null);
        assertThat(identity.policies().update(new AccessPolicy(other.id(), onlyB, a.id(), List.of(), List.of(), List.of(), null,
                other.createdAt(), 0))).isPresent();
        assertThat(identity.policies().attach(inA.id(), "team", a.id())).isTrue();
        assertThat(identity.policies().attachments(inA.id())).hasSize(1);
    }

    @Test
    void policiesKeepTheVectorStoresTheyShare() {
        Team team = identity.teams().create(unique("share"));
        AccessPolicy p = identity.policies().create(unique("share"), team.id(), List.of(), List.of(), List.of(), null, List.of(),
                List.of(), List.of("vs_abc", "vs_team*"));
        assertThat(identity.policies().get(p.id()).orElseThrow().vectorStores()).containsExactly("vs_abc", "vs_team*");
        AccessPolicy changed = identity.policies().update(new AccessPolicy(p.id(), p.name(), p.teamId(), List.of(), List.of(),
                List.of(), null, List.of(), List.of(), List.of("vs_other"), p.createdAt(), 0)).orElseThrow();
        assertThat(changed.vectorStores()).containsExactly("vs_other");
        assertThat(identity.policies().get(p.id()).orElseThrow().vectorStores()).containsExactly("vs_other");
    }

    @Test
    void policiesRoundTripAndAttachIdempotently() {
        Team team = identity.teams().create(unique("pol"));
        AccessPolicy p = identity.policies().create(unique("models"), team.id(), List.of("gpt-4o*", "o3"), List.of("openai"),
                List.of("chat.completions"), 512);
        assertThat(identity.policies().get(p.id())).contains(p);
        assertThat(identity.policies().byName(p.name())).contains(p);
        assertThat(identity.policies().attach(p.id(), "team", team.id())).isTrue();
        assertThat(identity.policies().attach(p.id(), "team", team.id())).isFalse();
        assertThat(identity.policies().attachments(p.id())).hasSize(1);
        AccessPolicy changed = identity.policies().update(new AccessPolicy(p.id(), p.name(), p.teamId(), List.of("*"), List.of(),
                List.of(), null, p.createdAt(), 0)).orElseThrow();
        assertThat(changed.models()).containsExactly("*");
        assertThat(changed.maxTokens()).isNull();
        assertThat(identity.policies().detach(p.id(), "team", team.id())).isTrue();
        assertThat(identity.policies().detach(p.id(), "team", team.id())).isFalse();
        assertThat(identity.policies().delete(p.id())).isTrue();
        assertThat(identity.policies().get(p.id())).isEmpty();
    }

    @Test
    void theRegistrySeesChangesMadeThroughAnotherConnection() throws Exception {
        IdentityRegistry registry = new IdentityRegistry(identity.keys(), identity.teams(), identity.users(), identity.policies(),
                System::currentTimeMillis);
        registry.refresh();
        try (Database other = openDatabase()) {
            // Another node or the CLI: its own pool on the same database.
            Identity cli = Identity.over(other);
            Team team = cli.teams().create(unique("remote"));
            User user = cli.users().create(User.PERSON, "dev", null, team.id(), Roles.TEAM_ADMIN);
            IssuedKey key = cli.keys().create(new KeyStore.NewKey(null, VirtualKey.OWNER_USER, user.id(), team.id(), null));
            AccessPolicy policy = cli.policies().create(unique("only-mini"), team.id(), List.of("gpt-4o-mini"), List.of(), List.of(), null);
            cli.policies().attach(policy.id(), "team", team.id());
            registry.refresh();
            IdentityRegistry.Entry entry = registry.lookup(ApiKeys.sha256Hex(key.secret()));
            assertThat(entry).isNotNull();
            assertThat(entry.principal().userId()).isEqualTo(user.id());
            assertThat(entry.principal().teamId()).isEqualTo(team.id());
            assertThat(entry.principal().roles()).containsExactly(Roles.TEAM_ADMIN);
            AccessRules.Denial denial = entry.principal().rules().checkModel("gpt-4o");
            assertThat(denial.policy()).isEqualTo(policy.name());
            assertThat(entry.principal().rules().checkModel("gpt-4o-mini")).isNull();

            cli.keys().revoke(key.key().id());
            registry.refresh();
            assertThat(registry.lookup(ApiKeys.sha256Hex(key.secret())).key().revokedAt()).isNotNull();
        }
    }
}
