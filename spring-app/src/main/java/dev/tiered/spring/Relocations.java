package dev.tiered.spring;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.interceptor.TransactionAspectSupport;

/**
 * A transaction around the write, as a use case's service method is: the {@code @Invalidates} method returns, then
 * more work runs before the commit ({@code pauseMillis}), or the transaction rolls back.
 */
@Service
public class Relocations {
    private final OwnerService service;

    public Relocations(OwnerService service) {
        this.service = service;
    }

    @Transactional
    public void relocate(long id, String city, long pauseMillis, boolean rollback) {
        service.move(id, city);
        if (pauseMillis > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis));
        }
        if (rollback) {
            TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
        }
    }
}
