package dev.tiered.runtime.observe;

import java.util.Map;

import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.StandardMBean;

/**
 * An MXBean whose operations and their parameters have names and descriptions in JMX clients (JConsole shows
 * {@code p0} and the method's name otherwise). The texts are the README's.
 */
final class DescribedMBean extends StandardMBean {
    /** An operation's description, and its parameters' names and descriptions, in order. */
    record Operation(String description, String... parameters) {}

    private final Map<String, Operation> operations;

    <T> DescribedMBean(T implementation, Class<T> type, Map<String, Operation> operations) {
        super(implementation, type, true);
        this.operations = operations;
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        Operation o = operations.get(info.getName());
        return o == null ? super.getDescription(info) : o.description();
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Operation o = operations.get(op.getName());
        return o == null || 2 * sequence >= o.parameters().length ? super.getParameterName(op, param, sequence)
                : o.parameters()[2 * sequence];
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Operation o = operations.get(op.getName());
        return o == null || 2 * sequence + 1 >= o.parameters().length ? super.getDescription(op, param, sequence)
                : o.parameters()[2 * sequence + 1];
    }
}
