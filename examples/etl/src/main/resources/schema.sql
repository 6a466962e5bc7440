-- Run at every start (H2 and PostgreSQL); creates what is missing, changes nothing that exists.

-- one row per mail; pdf_names and pdf_sizes list the mail's PDF attachments in order, separated by '/'
CREATE TABLE IF NOT EXISTS invoice_mail (
    uidl        VARCHAR(70)   NOT NULL PRIMARY KEY,
    sender      VARCHAR(320)  NOT NULL,
    subject     VARCHAR(998),
    pdf_count   INTEGER       NOT NULL,
    pdf_names   VARCHAR(4000) NOT NULL,
    pdf_sizes   VARCHAR(1000) NOT NULL,
    received_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- camel-sql's JdbcMessageIdRepository table, with the primary key it lacks when it creates the table itself
CREATE TABLE IF NOT EXISTS CAMEL_MESSAGEPROCESSED (
    processorName VARCHAR(255) NOT NULL,
    messageId     VARCHAR(100) NOT NULL,
    createdAt     TIMESTAMP    NOT NULL,
    PRIMARY KEY (processorName, messageId)
);
