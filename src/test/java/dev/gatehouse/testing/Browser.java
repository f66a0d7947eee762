package dev.gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium for the console's browser tests: Debian's {@code chromium} and
 * {@code chromium-driver} (the driver path is given, so Selenium never downloads anything).
 * Without them the tests are skipped on a developer machine and fail in CI, where {@code .ci/run}
 * installs both and sets {@code GATEHOUSE_REQUIRE_BROWSER=true} (or {@code -Dgatehouse.require-browser=true}).
 */
public final class Browser {
    private static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final List<String> DRIVER = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    private Browser() {}

    /** A headless browser with bounded page-load and script timeouts; the caller quits it. */
    public static ChromeDriver start(int width, int height) {
        String chromium = first(CHROMIUM);
        String driver = first(DRIVER);
        if (chromium == null || driver == null) {
            String why = "Chromium and ChromeDriver are needed for the console's browser tests (apt-get install chromium chromium-driver);"
                    + " found " + (chromium == null ? "no chromium" : chromium) + ", " + (driver == null ? "no chromedriver" : driver);
            assertThat(required()).as(why + " (GATEHOUSE_REQUIRE_BROWSER=true or gatehouse.require-browser=true, as in CI)").isFalse();
            Assumptions.abort(why + ": skipped");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=" + width + "," + height, "--lang=en-US", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of(driver).toFile())
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(30)).build();
        ChromeDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(20));
        return browser;
    }

    /**
     * Saves a PNG of the page as {@code name}.png under {@code gatehouse.console.screenshots}
     * (e.g. {@code docs/console} to refresh the documentation's pictures), else target/console-screenshots.
     */
    public static void screenshot(ChromeDriver browser, String name) {
        Path dir = Path.of(System.getProperty("gatehouse.console.screenshots", "target/console-screenshots"));
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean required() {
        return Boolean.getBoolean("gatehouse.require-browser") || "true".equalsIgnoreCase(System.getenv("GATEHOUSE_REQUIRE_BROWSER"));
    }

    private static String first(List<String> paths) {
        return paths.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    }
}
