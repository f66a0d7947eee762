package dev.gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.Browser;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin console in a real (headless) Chromium: what a platform team does on a first day, what
 * a team-admin and a member may see, hostile names rendered as text, and the console behind a
 * reverse proxy under a path prefix. Screenshots of each page go to target/console-screenshots
 * (or {@code -Dgatehouse.console.screenshots=docs/console}).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ConsoleBrowserTest {
    private static final String XSS = "<img src=x onerror=alert(1)>";
    private static GatewayHarness gateway;
    private static AdminClient master;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void startGateway() {
        gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  gpt-4o:
                    targets: [{provider: mock}]
                request-log:
                  flush-interval: 50ms
                """);
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        browser = Browser.start(1366, 900);
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aPlatformTeamsFirstDay() {
        master.ok("POST", "/budgets", "{\"scope\":\"org\",\"period\":\"month\",\"limit_usd\":25,\"name\":\"Company\"}");
        master.ok("POST", "/rate-limits", "{\"scope\":\"model\",\"subject\":\"gpt-4o\",\"rpm\":600,\"name\":\"gpt-4o fair use\"}");
        browser.get(gateway.origin() + "/");
        assertThat(browser.getCurrentUrl()).isEqualTo(gateway.origin() + "/ui/");
        Browser.screenshot(browser, "sign-in");
        signIn(GatewayHarness.MASTER_KEY);
        assertThat(navPages()).contains("overview", "requests", "keys", "teams", "users", "policies", "budgets", "limits", "models",
                "audit", "playground");

        // A team whose name is markup: rendered as text, no element made of it, no script run.
        go("teams");
        submit("Create a team", "name", XSS);
        WebElement nameCell = wait.until(d -> cell(XSS));
        assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
        String teamId = nameCell.findElement(By.xpath("following-sibling::td[1]")).getText();
        assertThat(teamId).startsWith("team_");
        Browser.screenshot(browser, "teams");

        go("users");
        form("Create a user").findElement(By.name("team_id")).sendKeys(teamId);
        new Select(form("Create a user").findElement(By.name("role"))).selectByValue("team-admin");
        submit("Create a user", "name", "Ada Lovelace");
        String userId = wait.until(d -> cell("Ada Lovelace")).findElement(By.xpath("following-sibling::td[1]")).getText();
        Browser.screenshot(browser, "users");

        go("policies");
        form("Create a policy").findElement(By.name("team_id")).sendKeys(teamId);
        form("Create a policy").findElement(By.name("models")).sendKeys("gpt-4o*");
        submit("Create a policy", "name", "gpt-4o family");
        wait.until(d -> cell("gpt-4o family"));
        assertThat(sibling("gpt-4o family", 2)).isEqualTo("gpt-4o*");
        Browser.screenshot(browser, "policies");
        // An error from the API is shown next to the field it names.
        form("Create a policy").findElement(By.name("name")).sendKeys("too small");
        submit("Create a policy", "max_tokens", "-3");
        wait.until(d -> !form("Create a policy").findElement(By.cssSelector("[data-error-for=max_tokens]")).getText().isBlank());

        // The key is shown once, with a copy button, and never again.
        go("keys");
        form("Create a key").findElement(By.name("owner_id")).sendKeys(userId);
        form("Create a key").findElement(By.name("policies")).sendKeys("gpt-4o family");
        submit("Create a key", "name", "<script>alert(2)</script>");
        String secret = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key-value"))).getText();
        assertThat(secret).isNotBlank();
        assertThat(browser.findElement(By.cssSelector("#new-key button")).getText()).isEqualTo("Copy");
        wait.until(d -> cell("<script>alert(2)</script>"));
        Browser.screenshot(browser, "keys-created");
        go("overview");
        go("keys");
        wait.until(d -> cell("<script>alert(2)</script>"));
        assertThat(browser.findElements(By.id("new-key-value"))).isEmpty();
        assertThat(browser.getPageSource()).doesNotContain(secret);
        Browser.screenshot(browser, "keys");

        // A call in the playground, streamed, with its timings.
        go("playground");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("select[name=model1]")));
        new Select(browser.findElement(By.cssSelector("select[name=model1]"))).selectByValue("gpt-4o-mini");
        new Select(browser.findElement(By.cssSelector("select[name=model2]"))).selectByValue("gpt-4o");
        submit("Playground", "key", secret);
        wait.until(d -> d.findElements(By.cssSelector(".answer-stats")).stream().allMatch(e -> e.getText().contains("total"))
                && d.findElements(By.cssSelector(".answer-stats")).size() == 2);
        assertThat(browser.findElement(By.cssSelector(".answer[data-model=gpt-4o-mini] .answer-text")).getText()).isNotBlank();
        assertThat(browser.findElement(By.cssSelector(".answer[data-model=gpt-4o-mini] .answer-stats")).getText())
                .contains("First token").contains("tokens");
        Browser.screenshot(browser, "playground");

        // The calls in the request log (filtered by model), and their detail.
        go("requests");
        form("Filters").findElement(By.name("model")).sendKeys("gpt-4o-mini");
        wait.until(d -> {
            form("Filters").findElement(By.cssSelector("button[type=submit]")).click();
            return !d.findElements(By.cssSelector("#request-results tr.clickable")).isEmpty();
        });
        List<WebElement> rows = browser.findElements(By.cssSelector("#request-results tr.clickable"));
        assertThat(rows).hasSize(1);
        rows.get(0).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".detail h2"), "Request"));
        assertThat(browser.findElement(By.cssSelector(".detail")).getText()).contains("gpt-4o-mini").contains("Attempts");
        Browser.screenshot(browser, "request-log");

        go("overview");
        wait.until(d -> !d.findElements(By.id("stat-requests")).isEmpty());
        assertThat(browser.findElement(By.id("stat-requests")).getText()).isEqualTo("2");
        wait.until(d -> d.findElements(By.cssSelector(".loading")).isEmpty());
        wait.until(d -> !d.findElements(By.cssSelector(".chart canvas")).isEmpty());
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("Company").contains("Every breaker is closed.");
        Browser.screenshot(browser, "overview");

        go("models");
        wait.until(d -> !d.findElements(By.cssSelector("section[data-model=gpt-4o-mini] td")).isEmpty());
        Browser.screenshot(browser, "models");
        go("budgets");
        wait.until(d -> cell("Company"));
        Browser.screenshot(browser, "budgets");
        go("limits");
        wait.until(d -> cell("gpt-4o fair use"));
        Browser.screenshot(browser, "rate-limits");

        // Revoking the key ends its calls at once.
        go("keys");
        String keyId = wait.until(d -> cell("<script>alert(2)</script>")).findElement(By.xpath("following-sibling::td[1]")).getText();
        browser.findElement(By.cssSelector("button[data-revoke='" + keyId + "']")).click();
        browser.switchTo().alert().accept();
        wait.until(d -> "revoked".equals(sibling("<script>alert(2)</script>", 5)));
        assertThat(gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
                .statusCode()).isEqualTo(401);

        go("config");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("config-json")));
        assertThat(browser.findElement(By.id("config-json")).getText()).contains("gpt-4o-mini").doesNotContain(GatewayHarness.MASTER_KEY);
        Browser.screenshot(browser, "configuration");

        // Every change above is in the audit trail, and the chain verifies.
        go("audit");
        browser.findElement(By.id("verify-chain")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("verify-result"), "Chain intact"));
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("team.create").contains("key.create").contains("key.revoke");
        Browser.screenshot(browser, "audit");

        // A phone-sized window: the navigation wraps above the page, nothing needs sideways scrolling.
        browser.manage().window().setSize(new Dimension(414, 896));
        go("keys");
        wait.until(d -> cell("<script>alert(2)</script>"));
        assertThat((Long) browser.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                .isLessThanOrEqualTo(0L);
        Browser.screenshot(browser, "narrow-keys");

        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("form.signin")));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("form.signin")));
    }

    @Test
    void eachRoleSeesOnlyWhatItMay() {
        String teamA = master.ok("POST", "/teams", "{\"name\":\"Team Alpha\"}").text("id");
        String teamB = master.ok("POST", "/teams", "{\"name\":\"Team Bravo\"}").text("id");
        String admin = master.ok("POST", "/users", "{\"name\":\"Alice Admin\",\"team_id\":\"" + teamA + "\",\"role\":\"team-admin\"}").text("id");
        String member = master.ok("POST", "/users", "{\"name\":\"Max Member\",\"team_id\":\"" + teamA + "\",\"role\":\"member\"}").text("id");
        String other = master.ok("POST", "/users", "{\"name\":\"Bob Bravo\",\"team_id\":\"" + teamB + "\",\"role\":\"team-admin\"}").text("id");
        AdminClient.Reply adminKey = master.ok("POST", "/keys", "{\"name\":\"alpha-admin-key\",\"owner_id\":\"" + admin + "\"}");
        AdminClient.Reply memberKey = master.ok("POST", "/keys", "{\"name\":\"alpha-member-key\",\"owner_id\":\"" + member + "\"}");
        master.ok("POST", "/keys", "{\"name\":\"bravo-key\",\"owner_id\":\"" + other + "\"}");

        browser.get(gateway.origin() + "/ui/");
        signIn(adminKey.text("key"));
        assertThat(navPages()).contains("users", "budgets").doesNotContain("audit", "config");
        go("teams");
        wait.until(d -> cell("Team Alpha"));
        assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("Team Bravo");
        assertThat(browser.findElements(By.cssSelector("form[aria-label='Create a team']"))).isEmpty();
        go("keys");
        wait.until(d -> cell("alpha-member-key"));
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("alpha-admin-key").doesNotContain("bravo-key");
        Browser.screenshot(browser, "keys-team-admin");
        browser.get(gateway.origin() + "/ui/#/audit"); // not offered, and not reachable by URL either
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Overview"));
        signOut();

        signIn(memberKey.text("key"));
        assertThat(navPages()).doesNotContain("users", "budgets", "audit");
        go("keys");
        wait.until(d -> cell("alpha-member-key"));
        assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("alpha-admin-key").doesNotContain("bravo-key");
        go("teams");
        wait.until(d -> cell("Team Alpha"));
        assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("Team Bravo");
        signOut();
    }

    @Test
    void worksBehindAReverseProxyUnderAPathPrefix() throws Exception {
        try (PrefixProxy proxy = new PrefixProxy("/a/b/gw/", gateway.origin())) {
            browser.get(proxy.url());
            assertThat(browser.getCurrentUrl()).isEqualTo(proxy.url() + "ui/");
            signIn(GatewayHarness.MASTER_KEY);
            wait.until(d -> !d.findElements(By.id("stat-requests")).isEmpty());
            go("teams");
            submit("Create a team", "name", "Behind the proxy");
            wait.until(d -> cell("Behind the proxy"));
            go("models");
            wait.until(d -> !d.findElements(By.cssSelector("section[data-model=gpt-4o-mini] td")).isEmpty());
            go("requests");
            wait.until(d -> d.findElements(By.cssSelector(".loading")).isEmpty());
            assertThat(browser.findElements(By.cssSelector(".error"))).isEmpty();
            assertThat(browser.getCurrentUrl()).startsWith(proxy.url() + "ui/");
        }
    }

    private void signIn(String key) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("form.signin input[name=key]")));
        input.sendKeys(key);
        browser.findElement(By.cssSelector("form.signin button[type=submit]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("sign-out")));
    }

    private void signOut() {
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("form.signin")));
    }

    private List<String> navPages() {
        return browser.findElements(By.cssSelector("nav a[data-page]")).stream().map(a -> a.getAttribute("data-page")).toList();
    }

    private void go(String page) {
        // The page redraws its navigation on every route change: a link found just before a redraw goes stale.
        wait.until(d -> {
            try {
                d.findElement(By.cssSelector("nav a[data-page='" + page + "']")).click();
                return true;
            } catch (StaleElementReferenceException e) {
                return false;
            }
        });
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("nav a[data-page='" + page + "']"), "aria-current", "page"));
    }

    private WebElement form(String label) {
        return browser.findElement(By.cssSelector("form[aria-label='" + label + "']"));
    }

    private void submit(String formLabel, String field, String value) {
        WebElement input = wait.until(d -> form(formLabel)).findElement(By.name(field));
        input.sendKeys(value);
        form(formLabel).findElement(By.cssSelector("button[type=submit]")).click();
    }

    /** The text of the n-th cell after the one whose text is {@code text}, or null while there is none. */
    private String sibling(String text, int n) {
        try {
            WebElement cell = cell(text);
            return cell == null ? null : cell.findElement(By.xpath("following-sibling::td[" + n + "]")).getText();
        } catch (StaleElementReferenceException e) {
            return null;
        }
    }

    /** The table cell whose text is exactly {@code text}, or null. */
    private WebElement cell(String text) {
        try {
            return browser.findElements(By.cssSelector("main td")).stream().filter(td -> td.getText().equals(text)).findFirst()
                    .orElse(null);
        } catch (StaleElementReferenceException e) {
            return null; // the table was redrawn while being read: the wait asks again
        }
    }
}
