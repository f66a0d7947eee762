-- The fencing token of the leader lease (issue 20): each node that becomes the leader of the
-- background work (retention, purges) takes the next token; each write that work makes checks, in
-- its own transaction, that the token is still its own, so a leader that was paused or cut off
-- while another took over cannot write any more. One row.
CREATE TABLE cluster_leader (
    id    INTEGER PRIMARY KEY,
    token BIGINT  NOT NULL
);
INSERT INTO cluster_leader (id, token) VALUES (1, 0);
