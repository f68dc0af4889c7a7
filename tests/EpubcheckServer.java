// Checks one EPUB per request in a JVM that stays up: a test process pays for starting Java
// and compiling epubcheck's schemas once, not once per book.  A request is two lines on
// stdin (the book, then the file for epubcheck's JSON report); the answer is epubcheck's exit
// code on a line of stdout.  EOF on stdin ends the process.  Each book gets a new
// EpubChecker, with the options the epubcheck package passes on its command line.
import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class EpubcheckServer {
    public static void main(String[] args) throws Exception {
        PrintStream answers = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err); // whatever epubcheck prints cannot be taken for an answer
        BufferedReader requests =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String book;
        while ((book = requests.readLine()) != null) {
            String report = requests.readLine();
            String[] options = {book, "-q", "--profile", "default", "--json", report};
            answers.println(new EpubChecker().run(options));
        }
    }
}
