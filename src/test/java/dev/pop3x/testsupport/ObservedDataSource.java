package dev.pop3x.testsupport;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

/**
 * Wraps a data source to watch what the code under test does with it: counts the round trips its connections make
 * (each execute, batch and commit), and lets a test hold a commit at the point where the transaction has done all its
 * work but has not committed yet.
 */
public final class ObservedDataSource {

    /** Runs in the committing thread just before a commit goes to the database. */
    public interface CommitHook {
        void beforeCommit() throws Exception;
    }

    private final DataSource target;
    private final AtomicInteger roundTrips = new AtomicInteger();
    private volatile CommitHook commitHook;

    public ObservedDataSource(DataSource target) {
        this.target = target;
    }

    public DataSource dataSource() {
        return (DataSource) proxy(DataSource.class, target);
    }

    public int roundTrips() {
        return roundTrips.get();
    }

    public void onCommit(CommitHook hook) {
        this.commitHook = hook;
    }

    /** {@code delegate} seen through the interface {@code type} (a Statement is proxied as the type asked for). */
    private Object proxy(Class<?> type, Object delegate) {
        InvocationHandler handler = (p, method, args) -> invoke(delegate, method, args);
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler);
    }

    private Object invoke(Object delegate, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (delegate instanceof Connection && name.equals("commit")) {
            CommitHook hook = commitHook;
            if (hook != null) {
                hook.beforeCommit();
            }
            roundTrips.incrementAndGet();
        }
        if (delegate instanceof Statement && name.startsWith("execute")) {
            roundTrips.incrementAndGet();
        }
        Object result;
        try {
            result = method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (result instanceof Connection c) {
            return proxy(Connection.class, c);
        }
        if (result instanceof Statement s && method.getReturnType().isInterface()) {
            return proxy(method.getReturnType(), s);
        }
        return result;
    }
}
