package dev.gatehouse.guardrails;

/** The checksums that tell a real card number or IBAN from a string of digits that looks like one. */
final class Checksums {
    private Checksums() {}

    /** The Luhn check of card numbers: digits only, 13 to 19 of them. */
    static boolean luhn(CharSequence digits) {
        int n = digits.length();
        if (n < 13 || n > 19) {
            return false;
        }
        int sum = 0;
        boolean twice = false;
        for (int i = n - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /** ISO 13616 mod-97: the country code and check digits moved to the end, letters as 10..35, remainder 1. */
    static boolean iban(CharSequence compact) {
        int n = compact.length();
        if (n < 15 || n > 34) {
            return false;
        }
        int remainder = 0;
        for (int k = 0; k < n; k++) {
            char c = compact.charAt((k + 4) % n);
            if (c >= '0' && c <= '9') {
                remainder = (remainder * 10 + (c - '0')) % 97;
            } else if (c >= 'A' && c <= 'Z') {
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            } else {
                return false;
            }
        }
        return remainder == 1;
    }

    /** Shannon entropy in bits per character. */
    static double entropy(CharSequence s, int start, int end) {
        int[] counts = new int[128];
        int n = end - start;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            counts[c & 127]++;
        }
        double bits = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / n;
                bits -= p * (Math.log(p) / Math.log(2));
            }
        }
        return bits;
    }
}
