package dev.gatehouse.zdr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.http.ErrorWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** An unexpected failure of a ZDR call is logged with its types and stack, never its messages. */
class ZdrErrorLoggingTest {
    @Test
    void messagesOfTheWholeCauseChainAreWithheldButTypesAndFramesKept() {
        IllegalStateException cause = new IllegalStateException("could not parse 'my secret prompt'");
        RuntimeException failure = new RuntimeException("wrapping: my secret prompt", cause);
        Throwable scrubbed = ErrorWriter.withoutMessages(failure);
        StringWriter out = new StringWriter();
        scrubbed.printStackTrace(new PrintWriter(out));
        assertThat(out.toString()).doesNotContain("secret prompt")
                .contains("java.lang.RuntimeException (message withheld")
                .contains("java.lang.IllegalStateException (message withheld")
                .contains("ZdrErrorLoggingTest");
        assertThat(scrubbed.getStackTrace()).isEqualTo(failure.getStackTrace());
    }
}
