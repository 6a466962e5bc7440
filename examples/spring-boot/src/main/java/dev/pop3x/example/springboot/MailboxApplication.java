package dev.pop3x.example.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Spring Boot app that reads invoice mails from a POP3 mailbox with the pop3x: component. */
@SpringBootApplication
public class MailboxApplication {

    public static void main(String[] args) {
        SpringApplication.run(MailboxApplication.class, args);
    }
}
